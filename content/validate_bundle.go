package content

import (
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

var (
	slugRE    = regexp.MustCompile(SlugPattern)
	hashtagRE = regexp.MustCompile(HashtagPattern)
)

// newsletter checks the email variant at path p.
func (k *checker) newsletter(p string, n *Newsletter) {
	k.text(p+".subject", n.Subject, textRule{min: MinSubjectLength, max: MaxSubjectLength})
	if t := spamTrigger(n.Subject); t != "" {
		k.errorf(p+".subject", CodeSpamTrigger, "holds %q, which spam filters penalise", t)
	}
	k.text(p+".preview_text", n.PreviewText, textRule{max: MaxPreviewText})
	k.encoding(p+".html", n.HTML)
	k.encoding(p+".text", n.Text)
	k.claims(p+".subject", n.Subject)
	k.claims(p+".preview_text", n.PreviewText)
	if n.Text != "" {
		k.claims(p+".text", n.Text)
	} else {
		k.claims(p+".html", htmlText(n.HTML))
	}
}

// webPost checks the website variant at path p.
func (k *checker) webPost(p string, w *WebPost) {
	k.text(p+".title", w.Title, textRule{min: MinWebTitle, max: MaxWebTitle})
	k.encoding(p+".html", w.HTML)
	body := htmlText(w.HTML)
	if n := utf8.RuneCountInString(body); n < MinWebBody {
		k.errorf(p+".html", CodeTooShort, "has %d characters of text, needs at least %d", n, MinWebBody)
	}
	k.text(p+".excerpt", w.Excerpt, textRule{min: MinWebExcerpt, max: MaxWebExcerpt})
	k.text(p+".slug", w.Slug, textRule{min: 1, max: MaxSlugLength})
	if w.Slug != "" && !slugRE.MatchString(w.Slug) {
		k.errorf(p+".slug", CodePattern, "%q must match %s", w.Slug, SlugPattern)
	}
	k.maxItems(p+".tags", len(w.Tags), MaxWebTags)
	k.texts(p+".tags", w.Tags)
	k.text(p+".seo_title", w.SEOTitle, textRule{max: MaxSEOTitle})
	k.text(p+".seo_description", w.SEODescription, textRule{min: MinWebDescription, max: MaxWebDescription})
	for _, f := range []struct{ name, text string }{
		{"title", w.Title}, {"html", body}, {"excerpt", w.Excerpt}, {"seo_title", w.SEOTitle}, {"seo_description", w.SEODescription},
	} {
		k.claims(p+"."+f.name, f.text)
	}
}

// socialPost checks the post at path p against its platform's rules.
func (k *checker) socialPost(p string, s *SocialPost) {
	rules, ok := RulesFor(s.Platform)
	if !ok {
		k.errorf(p+".platform", CodeInvalidEnum, "%q is not a platform (want %s)", s.Platform, joinNames(Platforms()))
	}
	k.encoding(p+".text", s.Text)
	if s.Text == "" {
		k.errorf(p+".text", CodeRequired, "is required")
	}
	if ok {
		if n := Length(s.Platform, s.Text); n > rules.MaxLength {
			k.errorf(p+".text", CodeTooLong, "is %d long as %s counts, allows at most %d", n, s.Platform, rules.MaxLength)
		}
		for i, part := range s.Thread {
			if n := Length(s.Platform, part); n > rules.MaxLength {
				k.errorf(fmt.Sprintf("%s.thread[%d]", p, i), CodeTooLong, "is %d long as %s counts, allows at most %d", n, s.Platform, rules.MaxLength)
			}
		}
		k.maxItems(p+".hashtags", len(s.Hashtags), rules.MaxHashtags)
		if rules.NeedsMedia && len(s.MediaURLs) == 0 {
			k.warnf(p+".media_urls", CodeMissingMedia, "%s posts without an image or video reach few people", s.Platform)
		}
	}
	for i, h := range s.Hashtags {
		if !hashtagRE.MatchString(h) {
			k.errorf(fmt.Sprintf("%s.hashtags[%d]", p, i), CodePattern, "%q must match %s", h, HashtagPattern)
		}
	}
	for i, u := range s.MediaURLs {
		if !absoluteHTTP(u) {
			k.errorf(fmt.Sprintf("%s.media_urls[%d]", p, i), CodeInvalidURL, "%q is not an absolute http or https URL", u)
		}
	}
	k.claims(p+".text", s.Text)
	for i, part := range s.Thread {
		field := fmt.Sprintf("%s.thread[%d]", p, i)
		k.encoding(field, part)
		if i == 0 && part == s.Text {
			continue
		}
		k.claims(field, part)
	}
}

// spamTrigger returns the first spam trigger in subject, or "". Triggers
// of letters match as whole words, case-insensitively, with the
// inflections Detect accepts; others ("!!!") match anywhere.
func spamTrigger(subject string) string {
	s := strings.ToLower(subject)
	for _, t := range spamTriggerList {
		if strings.ContainsFunc(t, func(r rune) bool { return r >= 'a' && r <= 'z' }) {
			if containsCue(s, []string{t}) {
				return t
			}
		} else if strings.Contains(s, t) {
			return t
		}
	}
	return ""
}

// absoluteHTTP reports whether s is an absolute http or https URL with a
// host.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// htmlText returns the text of an HTML fragment: tags removed (and the
// content of script and style), entities decoded, white space collapsed.
//
// It gives exactly what bluemonday's StrictPolicy gives once its output is
// unescaped and its fields joined, with one pass of the same tokenizer and
// none of the policy's per-token allocations. With that policy nothing but
// text reaches the output: the escaped text of each text token, unless
// content is being skipped (see htmlTextState). Unescaping that output
// gives back the tokens' text, since every '&' in it starts one of the
// escapes EscapeString writes; so the text is collected as it is.
func htmlText(h string) string {
	if h == "" {
		return ""
	}
	if strings.TrimSpace(h) == "" {
		// As the policy returns blank input unchanged.
		return joinFields(html.UnescapeString(h))
	}
	if t, ok := htmlTextPlain(h); ok {
		return t
	}
	z := xhtml.NewTokenizer(strings.NewReader(h))
	var (
		b  strings.Builder
		st htmlTextState
	)
	b.Grow(len(h))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			if z.Err() != io.EOF {
				return "" // as the policy gives on a reader's error
			}
			return joinFields(b.String())
		case xhtml.TextToken:
			if st.keepText() {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			st.start(name)
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			st.end(name)
		}
		// Comments, doctypes and self-closing tags change nothing.
	}
}

// htmlTextState is what bluemonday's StrictPolicy tracks to decide
// whether a text token reaches its output.
type htmlTextState struct {
	// recent is the most recently started element when that is script or
	// style (the policy drops their text), else "".
	recent string
	// skipping counts the open elements whose content the policy skips,
	// as the policy does: an end tag without a start tag takes it below
	// zero.
	skipping int64
	// skip reports that the policy skips content: set by a start tag of
	// such an element, cleared when an end tag brings skipping to zero.
	skip bool
}

// keepText reports whether the policy writes a text token out.
func (s *htmlTextState) keepText() bool {
	return !s.skip && s.recent == ""
}

// start records a start tag; name is the tokenizer's lower-cased tag name.
func (s *htmlTextState) start(name []byte) {
	switch string(name) {
	case "script":
		s.recent = "script"
		return
	case "style":
		s.recent = "style"
		return
	}
	s.recent = ""
	if skipsContent(name) {
		s.skip = true
		s.skipping++
	}
}

// end records an end tag; name is the tokenizer's lower-cased tag name.
func (s *htmlTextState) end(name []byte) {
	switch string(name) {
	case "script", "style":
		if s.recent == string(name) {
			s.recent = ""
		}
		return
	}
	// No other end tag can match a recent script or style.
	if skipsContent(name) {
		s.skipping--
		if s.skipping == 0 {
			s.skip = false
		}
	}
}

// skipsContent reports whether bluemonday's default policies skip the
// content of the element name (its addDefaultSkipElementContent), script
// and style aside, which the policy handles before it looks.
func skipsContent(name []byte) bool {
	switch string(name) {
	case "frame", "frameset", "iframe", "noembed", "noframes", "noscript", "nostyle", "object", "title":
		return true
	}
	return false
}

// htmlTextPlain is htmlText for HTML of the kind goldmark, bluemonday and
// the assemblers write: text and the tags of ordinary elements. It reads
// h as the tokenizer does (tags end at the first '>' outside a quoted
// attribute value, by the tokenizer's own rules) and reports false at
// anything it leaves to the tokenizer: a '<' that opens no start or end
// tag (comments, doctypes, a lone '<'), a tag without its '>', the tag of
// an element whose content the tokenizer reads raw or the policy skips,
// and text holding a carriage return or a NUL, which the tokenizer
// rewrites. Everything else is text kept by the policy, as the tokenizer
// gives it: entities decoded.
func htmlTextPlain(h string) (string, bool) {
	var b strings.Builder
	b.Grow(len(h))
	for i := 0; i < len(h); {
		j := strings.IndexByte(h[i:], '<')
		text := h[i:]
		if j >= 0 {
			text = h[i : i+j]
		}
		if strings.ContainsAny(text, "\r\x00") {
			return "", false
		}
		if strings.IndexByte(text, '&') >= 0 {
			b.WriteString(xhtml.UnescapeString(text))
		} else {
			b.WriteString(text)
		}
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(h) && h[i] == '/' {
			i++
		}
		if i >= len(h) || !asciiLetter(h[i]) {
			return "", false
		}
		start := i
		for i < len(h) && !tagSpace(h[i]) && h[i] != '/' && h[i] != '>' {
			i++
		}
		if specialElement(h[start:i]) {
			return "", false
		}
		end, ok := tagEnd(h, i)
		if !ok {
			return "", false
		}
		i = end
	}
	return joinFields(b.String()), true
}

// tagEnd returns the index after the '>' that ends the tag whose name
// ends at i, reading its attributes as the tokenizer's readTag does; ok
// is false when h ends first.
func tagEnd(h string, i int) (int, bool) {
	i = skipTagSpace(h, i)
	for i < len(h) {
		if h[i] == '>' {
			return i + 1, true
		}
		// The key: a leading '=' belongs to it.
		for k := i; i < len(h); i++ {
			if c := h[i]; (c == '=' && i > k) || tagSpace(c) || c == '/' || c == '>' {
				break
			}
		}
		// The value.
		if i = skipTagSpace(h, i); i >= len(h) {
			return 0, false
		}
		switch h[i] {
		case '/':
			i++
		case '=':
			if i = skipTagSpace(h, i+1); i >= len(h) {
				return 0, false
			}
			switch q := h[i]; q {
			case '>':
			case '\'', '"':
				k := strings.IndexByte(h[i+1:], q)
				if k < 0 {
					return 0, false
				}
				i += k + 2
			default:
				for i < len(h) && !tagSpace(h[i]) && h[i] != '>' {
					i++
				}
			}
		}
		i = skipTagSpace(h, i)
	}
	return 0, false
}

// tagSpace reports whether the tokenizer reads c as white space in a tag.
func tagSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func skipTagSpace(h string, i int) int {
	for i < len(h) && tagSpace(h[i]) {
		i++
	}
	return i
}

func asciiLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// specialElement reports whether name, lowered as the tokenizer lowers
// tag names (ASCII only), is an element whose content the tokenizer reads
// raw (script, style, textarea, xmp, plaintext and the ones below) or
// bluemonday's policies skip (skipsContent).
func specialElement(name string) bool {
	var buf [len("plaintext")]byte
	if len(name) > len(buf) {
		return false
	}
	b := buf[:len(name)]
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b) {
	case "script", "style", "textarea", "xmp", "plaintext":
		return true
	}
	return skipsContent(b)
}
