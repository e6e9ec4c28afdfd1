package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// slugRE is the slug pattern the platform accepts.
var slugRE = regexp.MustCompile(content.SlugPattern)

// Validate reports what the platform would refuse in b's web post: a
// missing post, a title outside content.MinWebTitle-MaxWebTitle runes, a
// slug that is missing, longer than content.MaxSlugLength or not matching
// content.SlugPattern, empty HTML or HTML over the size cap, and more than
// content.MaxWebTags tags. Fields are JSON paths such as
// "web_update.slug".
func (p *Publisher) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	var out []content.Issue
	add := func(field, code, format string, args ...any) {
		out = append(out, content.Issue{Severity: content.SeverityError, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if b == nil || b.WebPost == nil {
		add("web_update", content.CodeRequired, "the bundle has no web post")
		return out
	}
	w := b.WebPost
	switch n := utf8.RuneCountInString(strings.TrimSpace(w.Title)); {
	case n == 0:
		add("web_update.title", content.CodeRequired, "the title is empty")
	case n < content.MinWebTitle:
		add("web_update.title", content.CodeTooShort, "the title has %d characters, at least %d are needed", n, content.MinWebTitle)
	case n > content.MaxWebTitle:
		add("web_update.title", content.CodeTooLong, "the title has %d characters, at most %d are allowed", n, content.MaxWebTitle)
	}
	switch {
	case w.Slug == "":
		add("web_update.slug", content.CodeRequired, "the slug is empty")
	case len(w.Slug) > content.MaxSlugLength:
		add("web_update.slug", content.CodeTooLong, "the slug has %d characters, at most %d are allowed", len(w.Slug), content.MaxSlugLength)
	case !slugRE.MatchString(w.Slug):
		add("web_update.slug", content.CodePattern, "%q must match %s", w.Slug, content.SlugPattern)
	}
	switch {
	case strings.TrimSpace(w.HTML) == "":
		add("web_update.html", content.CodeRequired, "the post has no HTML")
	case len(w.HTML) > p.cfg.MaxHTMLBytes:
		add("web_update.html", content.CodeTooLong, "the HTML has %d bytes, at most %d are allowed", len(w.HTML), p.cfg.MaxHTMLBytes)
	}
	if len(w.Tags) > content.MaxWebTags {
		add("web_update.tags", content.CodeTooMany, "%d tags, at most %d are allowed", len(w.Tags), content.MaxWebTags)
	}
	return out
}
