package main

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

const subject = "Breathscape news: sleep & focus"

func TestRunWritesEveryTemplate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out") // run creates it
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, newsMarkdown, dir))

	seen := map[string]bool{}
	for _, tpl := range content.Templates() {
		t.Run(string(tpl), func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join(dir, string(tpl)+".html"))
			require.NoError(t, err)
			h := string(page)
			assert.True(t, strings.HasPrefix(h, "<!DOCTYPE html>"), "not an HTML page")
			assert.Contains(t, h, html.EscapeString(subject), "the subject, HTML-escaped")
			assert.NotContains(t, h, subject, "the subject unescaped")
			assert.Contains(t, h, html.EscapeString("Breathe in < 4, out > 6 & sleep"), "an item title, HTML-escaped")
			assert.NotContains(t, h, "<script", "raw HTML of the document reached the newsletter")
			assert.Contains(t, h, content.MergeUnsubscribeURL, "every template links unsubscribe")
			assert.False(t, seen[h], "two templates rendered the same HTML")
			seen[h] = true

			text, err := os.ReadFile(filepath.Join(dir, string(tpl)+".txt"))
			require.NoError(t, err)
			assert.Contains(t, string(text), subject, "the text part carries the subject as is")
			assert.NotContains(t, string(text), "&amp;", "the text part is not HTML")

			assert.Contains(t, out.String(), filepath.Join(dir, string(tpl)+".html"), "the summary names the file")
		})
	}
	assert.Contains(t, out.String(), "Subject: "+subject)
	assert.Contains(t, out.String(), "3 sections, 3 items")
	assert.NotContains(t, out.String(), "INVALID", "every template validates")
}

func TestRunRefusesADocumentWithoutItems(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), &out, []byte("   \n"), t.TempDir())
	require.Error(t, err)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err), "%v", err)
}
