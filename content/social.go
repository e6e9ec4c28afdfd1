package content

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// How much of the document a social post carries.
const (
	socialTopItems    = 3    // items in a living document's teaser
	socialSentenceMax = 200  // runes of one item's lead sentence
	socialSummaryX    = 600  // runes of a single item's summary on X (a short thread at most)
	socialSummaryLong = 1200 // runes of a single item's summary elsewhere
	hashtagMax        = 60   // runes of one hashtag
)

// socialPost builds the post for platform pf, and reports whether its
// text had to be shortened; ok is false when no item may go there.
func (a *DefaultAssembler) socialPost(p *prepared, pf Platform, tone Tone) (sp SocialPost, truncated, ok bool) {
	rules, ok := RulesFor(pf)
	if !ok {
		return SocialPost{}, false, false
	}
	items := p.topItems(Channel(pf), socialTopItems)
	if len(items) == 0 {
		return SocialPost{}, false, false
	}
	v := voiceOf(tone)
	main := v.finish(kindSocial, composeSocial(p, items, rules, v))
	sp = SocialPost{
		Platform:  pf,
		Hashtags:  hashtags(p, items, rules.MaxHashtags),
		MediaURLs: mediaURLs(p, items, rules),
		Limit:     rules.MaxLength,
		Tone:      tone,
	}
	tagLine := strings.Join(sp.Hashtags, " ")
	if rules.Threads {
		full := main
		if tagLine != "" {
			full += " " + tagLine
		}
		if Length(pf, full) > rules.MaxLength {
			sp.Thread = splitThread(pf, full, rules.MaxLength)
		} else {
			sp.Thread = []string{full}
		}
		sp.Text = sp.Thread[0]
	} else {
		sep := ""
		if tagLine != "" {
			sep = "\n\n" + tagLine
		}
		if room := rules.MaxLength - Length(pf, sep); Length(pf, main) > room {
			main = Truncate(main, room)
			truncated = true
		}
		sp.Text = main + sep
		sp.Thread = []string{sp.Text}
	}
	sp.WeightedLength = Length(pf, sp.Text)
	return sp, truncated, true
}

// composeSocial writes the post's text, without hashtags. X gets one
// flowing paragraph (split into a thread later if need be); the others
// get a short list. Instagram, where links do not work, points to the bio.
func composeSocial(p *prepared, items []*prepItem, rules PlatformRules, v voice) string {
	if p.session != nil {
		return sessionSocial(p.session, rules, v, p.postURL)
	}
	link := v.socialMore + " " + p.postURL
	if rules.NeedsMedia {
		link = v.linkInBio
	}
	var b strings.Builder
	b.Grow(512)
	if p.single != nil {
		summary := socialSummary(p)
		if rules.Threads {
			b.WriteString(p.single.Title)
			if summary != "" {
				b.WriteString(": ")
				b.WriteString(Truncate(summary, socialSummaryX))
			}
		} else {
			b.WriteString(p.single.Title)
			if summary != "" {
				b.WriteString("\n\n")
				b.WriteString(Truncate(summary, socialSummaryLong))
			}
		}
		if an, ok := p.typed.(*Announcement); ok && strings.TrimSpace(an.CallToAction) != "" {
			b.WriteString(sep(rules))
			b.WriteString(collapseSpace(an.CallToAction))
		}
	} else {
		b.WriteString(fmt.Sprintf(v.socialIntro, p.plan.brand))
		for _, it := range items {
			if rules.Threads {
				b.WriteByte(' ')
			} else {
				b.WriteString("\n\n• ")
			}
			b.WriteString(it.Title)
			if s := firstSentence(it.body.leadText()); s != "" {
				b.WriteString(": ")
				b.WriteString(s)
			}
		}
	}
	b.WriteString(sep(rules))
	b.WriteString(link)
	if v.socialClose != "" {
		b.WriteByte(' ')
		b.WriteString(v.socialClose)
	}
	return b.String()
}

func sep(rules PlatformRules) string {
	if rules.Threads {
		return " "
	}
	return "\n\n"
}

// socialSummary is a single item's summary: its typed excerpt, else its
// text, on one line.
func socialSummary(p *prepared) string {
	var s string
	switch c := p.typed.(type) {
	case *Update:
		s = c.Excerpt
	case *Blog:
		s = c.Excerpt
	}
	if strings.TrimSpace(s) == "" {
		s = p.single.body.plain
	}
	return collapseSpace(s)
}

// firstSentence returns the first sentence of s on one line, at most
// socialSentenceMax runes.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > socialSentenceMax*4 {
		s = s[:byteOffset(s, socialSentenceMax*2)]
	}
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			end = i
			break
		}
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(s) || s[i+1] == ' ') {
			end = i + 1
			break
		}
	}
	return Truncate(collapseSpace(s[:end]), socialSentenceMax)
}

// hashtags returns at most max hashtags, each matching ^#\w+$ (ASCII,
// CamelCase for several words): the session's rule tags, typed tags and
// keywords, the brand, then the categories of items.
func hashtags(p *prepared, items []*prepItem, max int) []string {
	if p.fixedTags == nil {
		var words []string
		if s := p.session; s != nil {
			words = append(words, sessionHashtags(s)...)
		}
		switch c := p.typed.(type) {
		case *Update:
			words = append(words, c.Tags...)
		case *Blog:
			words = append(append(words, c.Tags...), c.TargetKeywords...)
			words = append(words, c.Category)
		}
		words = append(words, p.plan.brand)
		p.fixedTags = []string{}
		for _, w := range words {
			if h := toHashtag(w); h != "" && !containsFold(p.fixedTags, h) {
				p.fixedTags = append(p.fixedTags, h)
			}
		}
	}
	out := make([]string, 0, min(max, len(p.fixedTags)+len(items)))
	for _, h := range p.fixedTags {
		if len(out) < max {
			out = append(out, h)
		}
	}
	for _, it := range items {
		if len(out) >= max {
			break
		}
		if h := it.section.hashtag(); h != "" && !containsFold(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// toHashtag turns s into a hashtag: accents folded, words of ASCII letters
// and digits joined in CamelCase ("heart rate" → "#HeartRate"; an existing
// "#" is dropped first). It returns "" when nothing is left or only
// digits are (X does not link those).
func toHashtag(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	b.WriteByte('#')
	upper, letters, n := true, false, 0
	for _, r := range strings.TrimPrefix(strings.TrimSpace(s), "#") {
		if r >= utf8.RuneSelf {
			up := unicode.IsUpper(r)
			if r = foldAccent(unicode.ToLower(r)); up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			if upper && r >= 'a' {
				r -= 'a' - 'A'
			}
			letters = true
		case r >= '0' && r <= '9', r == '_':
		default:
			upper = true
			continue
		}
		if n >= hashtagMax {
			break
		}
		b.WriteRune(r)
		n++
		upper = false
	}
	if !letters {
		return ""
	}
	return b.String()
}

// maxPostImages caps the images a post takes from its items' bodies:
// Instagram's carousel holds ten.
const maxPostImages = 10

// mediaURLs returns a post's media: the typed content's metadata "image",
// "media_url" and "media_urls" (http or https URLs), for every platform.
// A platform that needs media (Instagram) and finds none there takes the
// images of the post's items' bodies, in order, at most maxPostImages: a
// living document carries its pictures as Markdown images.
func mediaURLs(p *prepared, items []*prepItem, rules PlatformRules) []string {
	out := []string{}
	add := func(v any) {
		if s, ok := v.(string); ok && (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
			out = append(out, s)
		}
	}
	if p.typed != nil {
		md := p.typed.Common().Metadata
		add(md["image"])
		add(md["media_url"])
		if list, ok := md["media_urls"].([]any); ok {
			for _, v := range list {
				add(v)
			}
		}
		if list, ok := md["media_urls"].([]string); ok {
			for _, v := range list {
				add(v)
			}
		}
	}
	if len(out) > 0 || !rules.NeedsMedia {
		return out
	}
	for _, it := range items {
		for _, u := range it.body.images {
			if len(out) == maxPostImages {
				return out
			}
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// splitThread splits text into numbered posts ("1/3 …") that each fit
// limit as platform pf counts it. It breaks between sentences where it
// can, else between words, and cuts a word only when the word alone is
// longer than a post.
func splitThread(pf Platform, text string, limit int) []string {
	sentences := splitSentences(text)
	n := 2
	var parts []string
	for range 8 {
		room := limit - Length(pf, numbering(n, n))
		parts = packParts(pf, sentences, room)
		if len(parts) <= n && len(strconv.Itoa(len(parts))) <= len(strconv.Itoa(n)) {
			break
		}
		n = len(parts)
	}
	for i, s := range parts {
		parts[i] = numbering(i+1, len(parts)) + s
	}
	return parts
}

func numbering(i, n int) string { return strconv.Itoa(i) + "/" + strconv.Itoa(n) + " " }

// splitSentences splits text after ".", "!" or "?" followed by white
// space, and at line breaks, with white space collapsed.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		end := -1
		switch {
		case c == '\n':
			end = i
		case (c == '.' || c == '!' || c == '?') && i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\n'):
			end = i + 1
		}
		if end >= 0 {
			if s := collapseSpace(text[start:end]); s != "" {
				out = append(out, s)
			}
			start = end
		}
	}
	if s := collapseSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// packParts fills posts of at most room with sentences, then words, then
// pieces of words, joined by single spaces.
func packParts(pf Platform, sentences []string, room int) []string {
	var parts []string
	var cur strings.Builder
	curW := 0
	add := func(tok string, w int) {
		if cur.Len() > 0 && curW+1+w <= room {
			cur.WriteByte(' ')
			cur.WriteString(tok)
			curW += 1 + w
			return
		}
		if cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
		cur.WriteString(tok)
		curW = w
	}
	for _, s := range sentences {
		if w := Length(pf, s); w <= room {
			add(s, w)
			continue
		}
		for _, word := range strings.Fields(s) {
			if w := Length(pf, word); w <= room {
				add(word, w)
				continue
			}
			for _, piece := range cutWord(pf, word, room) {
				add(piece, Length(pf, piece))
			}
		}
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

// cutWord cuts a word longer than room into pieces that fit, at emoji and
// code point boundaries, never inside a URL (text without spaces, such as
// Japanese, can hold one): a URL is one unit, split only when it alone
// cannot fit.
func cutWord(pf Platform, word string, room int) []string {
	var out []string
	for word != "" {
		// Grow the piece a URL, an emoji sequence or a code point at a
		// time.
		end := 0
		for end < len(word) {
			next := -1
			if urlStartOK(word, end) {
				next = urlEnd(word, end)
			}
			if next <= end {
				next = emojiEnd(word, end)
			}
			if next <= end {
				_, n := utf8.DecodeRuneInString(word[end:])
				next = end + n
			}
			if Length(pf, word[:next]) > room {
				break
			}
			end = next
		}
		if end == 0 { // room below one code point: cannot happen for real limits
			_, end = utf8.DecodeRuneInString(word)
		}
		out = append(out, word[:end])
		word = word[end:]
	}
	return out
}
