package source_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, in string
		want     content.Format
	}{
		{"json list", ` [{"title":"a"}]`, content.FormatJSON},
		{"json object", "\n{\"title\":\"a\"}", content.FormatJSON},
		{"broken json is not json", `{"title":`, content.FormatText},
		{"heading", "intro\n# Title", content.FormatMarkdown},
		{"dash list", "- item", content.FormatMarkdown},
		{"star list", "  * item", content.FormatMarkdown},
		{"bold label", "**Date:** today", content.FormatMarkdown},
		{"comment", "<!-- featured -->\ntext", content.FormatMarkdown},
		{"plain text", "Title\n\nSome text - with a dash.", content.FormatText},
		{"bracket text", "[not json", content.FormatText},
		{"empty", "", content.FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, source.DetectFormat([]byte(tt.in)))
		})
	}
}

func TestParseDispatch(t *testing.T) {
	in := []byte("# Title\n\n### Item\nBody text.")
	tests := []struct {
		format content.Format
		want   content.Format
		title  string
	}{
		{"", content.FormatMarkdown, "Title"},
		{content.FormatMarkdown, content.FormatMarkdown, "Title"},
		{content.FormatText, content.FormatText, "# Title"},
	}
	for _, tt := range tests {
		t.Run(string(tt.want)+"/"+string(tt.format), func(t *testing.T) {
			doc, err := source.Parse(in, tt.format)
			require.NoError(t, err)
			assert.Equal(t, tt.want, doc.Format)
			assert.Equal(t, tt.title, doc.Title)
		})
	}
	t.Run("forced json fails on markdown", func(t *testing.T) {
		_, err := source.Parse(in, content.FormatJSON)
		assert.ErrorIs(t, err, source.ErrMalformed)
	})
	t.Run("unknown format", func(t *testing.T) {
		_, err := source.Parse(in, "yaml")
		assert.ErrorIs(t, err, content.ErrUnknownValue)
		assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	})
}
