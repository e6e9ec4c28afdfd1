package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/halcytone/halcytone/content"
)

// output is what generate prints: the bundle and the validator's report.
type output struct {
	Bundle *content.Bundle `json:"bundle"`
	Report *content.Report `json:"validation"`
}

func writeJSON(w io.Writer, out output) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// writeText prints a bundle for people: every variant, then the issues.
func writeText(w io.Writer, out output) error {
	b := out.Bundle
	p := &printer{w: w}
	p.f("%s  (%s, %s template, %s tone, hash %.12s)\n", b.Title, b.ContentType, b.Template, b.Tone, b.Hash)
	if n := b.Newsletter; n != nil {
		p.section("Newsletter")
		p.f("Subject: %s\nPreview: %s\n\n%s\n", n.Subject, n.PreviewText, strings.TrimSpace(n.Text))
	}
	if wp := b.WebPost; wp != nil {
		p.section("Web post")
		p.f("Title:           %s\nSlug:            %s\nExcerpt:         %s\nTags:            %s\n",
			wp.Title, wp.Slug, wp.Excerpt, strings.Join(wp.Tags, ", "))
		p.f("SEO title:       %s\nSEO description: %s\nSEO score:       %d/100 (estimate)\nReading time:    %d min\nHTML:            %d bytes\n",
			wp.SEOTitle, wp.SEODescription, wp.SEOScore, wp.ReadingTime, len(wp.HTML))
	}
	for _, s := range b.Social {
		p.section(fmt.Sprintf("%s (%d/%d)", s.Platform, s.WeightedLength, s.Limit))
		if len(s.Thread) > 1 {
			for _, part := range s.Thread {
				p.f("%s\n\n", part)
			}
		} else {
			p.f("%s\n", s.Text)
		}
		if len(s.Hashtags) > 0 {
			p.f("Hashtags: %s\n", strings.Join(s.Hashtags, " "))
		}
	}
	if s := b.Session; s != nil {
		p.section("Session summary")
		p.f("%s session %s: %.0f min, %d participants, HRV %+.1f%%, techniques: %s\n",
			s.SessionType, s.SessionID, s.DurationMinutes, s.ParticipantCount, s.HRVImprovement, strings.Join(s.Techniques, ", "))
	}
	issues := append(append([]content.Issue(nil), out.Report.Issues...), out.Report.Warnings...)
	p.section("Validation")
	if out.Report.Valid {
		p.f("valid")
	} else {
		p.f("INVALID")
	}
	p.f(" (%d errors, %d warnings)\n", len(out.Report.Issues), len(out.Report.Warnings))
	for _, i := range issues {
		p.f("  %-7s %-28s %-20s %s\n", i.Severity, i.Field, i.Code, i.Message)
	}
	return p.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) section(name string) {
	p.f("\n== %s %s\n", name, strings.Repeat("=", max(0, 60-len(name))))
}
