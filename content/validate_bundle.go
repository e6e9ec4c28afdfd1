package content

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
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

// strictPolicy is bluemonday's strict policy, built once (building a
// policy is costly; using one is safe for concurrent use).
var strictPolicy = sync.OnceValue(bluemonday.StrictPolicy)

// htmlText returns the text of an HTML fragment: tags removed (and the
// content of script and style), entities decoded, white space collapsed.
func htmlText(h string) string {
	if h == "" {
		return ""
	}
	t := h // as strictPolicy().Sanitize(h), which returns blank input as it is
	if strings.TrimSpace(h) != "" {
		t = sanitizeTo(strictPolicy(), strings.NewReader(h), len(h))
	}
	return joinFields(html.UnescapeString(t))
}
