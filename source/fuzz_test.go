package source_test

import (
	"testing"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// checkParsed fails unless a successful parse gave valid UTF-8 text
// throughout and a Hash that re-computes.
func checkParsed(t *testing.T, doc *content.Document, err error) {
	t.Helper()
	if err != nil {
		if content.ClassOf(err) != content.InvalidContent {
			t.Fatalf("error of class %s, want invalid_content: %v", content.ClassOf(err), err)
		}
		return
	}
	if doc == nil {
		t.Fatal("nil document without an error")
	}
	if doc.Hash != doc.ContentHash() {
		t.Fatalf("hash %s does not re-compute (%s)", doc.Hash, doc.ContentHash())
	}
	texts := []string{doc.Title}
	for _, s := range doc.Sections {
		texts = append(texts, s.Heading, string(s.Category))
		for _, it := range s.Items {
			texts = append(texts, it.Title, it.Body, string(it.Category))
		}
	}
	for _, w := range doc.Warnings {
		texts = append(texts, w.Field, w.Message)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in the result: %q", s)
		}
	}
}

func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte(livingDoc))
	f.Add(source.Sample())
	f.Add([]byte("## [Tips]\n### 2026-01-02 — X\n<!-- type: blog; priority: 2 -->\n- **Content:** a\n  b\n- c\n"))
	f.Add([]byte("### X\n**Title:** T\n**Date:** Jan 2, 2006\n> <!-- featured -->\n```\n<!--\n```"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := source.ParseMarkdown(data)
		checkParsed(t, doc, err)
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`[{"title":"a","content":"b","date":"2026-01-02","channels":["email"],"priority":2}]`))
	f.Add([]byte(`{"tips":[{"title":"t","body":"b","featured":true}],"app":[]}`))
	f.Add([]byte(`{"title":"d","sections":[{"heading":"Our mission","items":[{"title":"v","type":"blog"}]}]}`))
	f.Add([]byte(`{"title":"solo","content":"x","scheduled_for":"2026-12-01T10:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := source.ParseJSON(data)
		checkParsed(t, doc, err)
	})
}

func FuzzParseText(f *testing.F) {
	f.Add([]byte("Title\n\n2026-11-20 — Sensor\nThe device.\n\nTips\nBreathe."))
	f.Add([]byte("one line"))
	f.Add([]byte("\n\n  a  \n\t\n b \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := source.ParseText(data)
		checkParsed(t, doc, err)
	})
}
