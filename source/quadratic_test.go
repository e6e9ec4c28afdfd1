package source_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/source"
)

// TestParseMarkdownQuadraticInline feeds inputs on which goldmark's inline
// parsing is quadratic. Unguarded, each takes hours; the test passes by
// finishing, and checks that the item keeps its text byte for byte.
func TestParseMarkdownQuadraticInline(t *testing.T) {
	for name, body := range map[string]string{
		"unclosed links": strings.Repeat("[a](", 512<<10),
		"emphasis":       strings.Repeat("*a_", 600<<10),
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := source.ParseMarkdown([]byte("# News\n\n## [Tips] Tips\n\n### A long one\n\n" + body + "\n\n### A short one\n\nWith a [link](https://example.com).\n"))
			require.NoError(t, err)
			items := doc.Items()
			require.Len(t, items, 2)
			assert.Equal(t, body, items[0].Body)
			assert.Equal(t, "With a [link](https://example.com).", items[1].Body)
		})
	}
}
