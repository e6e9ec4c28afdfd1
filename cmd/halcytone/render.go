package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/halcytone/halcytone/content"
)

// output is what generate prints: the bundle and the validator's report.
type output struct {
	Bundle *content.Bundle `json:"bundle"`
	Report *content.Report `json:"validation"`
}

func writeJSON(w io.Writer, out output) error { return writeJSONValue(w, out) }

// writeJSONValue writes v as indented JSON, HTML left unescaped.
func writeJSONValue(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONFile writes v as indented JSON to the file name.
func writeJSONFile(name string, v any) error {
	var b bytes.Buffer
	if err := writeJSONValue(&b, v); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// The files of one document under --out, in its own subfolder.
const (
	bundleFile         = "bundle.json"     // the bundle and the validation report
	newsletterHTMLFile = "newsletter.html" // the newsletter's HTML, merge tags unfilled
	newsletterTextFile = "newsletter.txt"  // the newsletter's plain-text part
	webPostFile        = "webpost.html"    // the web post as a standalone page
)

// writeDocumentFiles writes one document's files into dir: the bundle as
// JSON, the newsletter as HTML and text, the web post as HTML. A variant
// the bundle lacks has its file of an earlier run removed, so that the
// folder always matches the bundle.
func writeDocumentFiles(dir, ref string, out output) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{}
	if n := out.Bundle.Newsletter; n != nil {
		files[newsletterHTMLFile] = n.HTML
		files[newsletterTextFile] = n.Text
	}
	if wp := out.Bundle.WebPost; wp != nil {
		files[webPostFile] = webPage(wp)
	}
	if err := writeJSONFile(filepath.Join(dir, bundleFile), documentOutput{Reference: ref, Bundle: out.Bundle, Report: out.Report}); err != nil {
		return err
	}
	for _, name := range []string{newsletterHTMLFile, newsletterTextFile, webPostFile} {
		path := filepath.Join(dir, name)
		body, ok := files[name]
		if !ok {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// webPage wraps the web post's sanitised HTML in a standalone page with
// its SEO title, description and JSON-LD.
func webPage(wp *content.WebPost) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", html.EscapeString(firstNonEmpty(wp.SEOTitle, wp.Title)))
	if wp.SEODescription != "" {
		fmt.Fprintf(&b, "<meta name=\"description\" content=\"%s\">\n", html.EscapeString(wp.SEODescription))
	}
	if wp.SchemaMarkup != "" {
		// "</" cannot close the script element once escaped; JSON reads it the same.
		fmt.Fprintf(&b, "<script type=\"application/ld+json\">%s</script>\n", strings.ReplaceAll(wp.SchemaMarkup, "</", `<\/`))
	}
	fmt.Fprintf(&b, "</head>\n<body>\n<article>\n<h1>%s</h1>\n%s\n</article>\n</body>\n</html>\n", html.EscapeString(wp.Title), wp.HTML)
	return b.String()
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// printTextDocument prints document i of n of a batch for people: a
// heading with its reference, then its bundle or why it failed.
func printTextDocument(w io.Writer, i, n int, d *batchDoc) error {
	heading := fmt.Sprintf("[%d/%d] %s", i+1, n, d.ref)
	if _, err := fmt.Fprintf(w, "\n%s\n%s\n", heading, strings.Repeat("#", len(heading))); err != nil {
		return err
	}
	if d.out.Bundle == nil {
		_, err := fmt.Fprintf(w, "failed: %v\n", d.err)
		return err
	}
	return writeText(w, d.out)
}

// writePlanText prints a plan as a table, times in the plan's zone.
func writePlanText(w io.Writer, po planOutput) error {
	const layout = "Mon 2006-01-02 15:04"
	if _, err := fmt.Fprintf(w, "Plan: %s from %s to %s (%s), %d publications\n\n",
		po.Period, po.Start.Format(layout), po.End.Format(layout), po.Timezone, len(po.Slots)); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tWHEN\tCHANNEL\tTEMPLATE\tDOCUMENT\tTITLE")
	for _, s := range po.Slots {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.Item+1, s.At.Format(layout), s.Channel, s.Template, s.Reference, s.Title)
	}
	return tw.Flush()
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
