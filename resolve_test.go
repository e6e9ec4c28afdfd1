package halcytone_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
)

// TestInlineSourceIsContentHash checks that an inline document's bundle
// names it by its content hash, in every format.
func TestInlineSourceIsContentHash(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct {
		format content.Format
		text   string
	}{
		{content.FormatMarkdown, "# Notes\n\n## [General] News\n\n### 2026-11-20 — New sensor\n\nThe new sensor reads breathing rate at rest, with a longer battery life than before.\n"},
		{content.FormatJSON, `[{"title":"New sensor","body":"The new sensor reads breathing rate at rest, with a longer battery life.","date":"2026-11-20"}]`},
		{content.FormatText, "New sensor\n\nThe new sensor reads breathing rate at rest, with a longer battery life than before.\n"},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			res, err := h.eng.Preview(context.Background(), halcytone.Request{Text: tt.text, Format: tt.format})
			require.NoError(t, err)
			require.NotNil(t, res.Bundle)
			assert.Equal(t, "inline:"+res.Document.ContentHash(), res.Bundle.Source)
			assert.Equal(t, res.Document.ContentHash(), res.Document.Hash)
		})
	}
}
