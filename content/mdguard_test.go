package content_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestMaskLongInline(t *testing.T) {
	short := "## [Tips] A *short* heading\n\nA [link](https://example.com) and *emphasis*.\n"
	assert.Equal(t, short, string(content.MaskLongInline([]byte(short), content.MaxInlineBlock)), "short input is returned as is")

	long := strings.Repeat("[a](", 2000)
	src := "# Title\n\n- a *list* item\n\n" + long + "\n\nA [link](https://example.com).\n"
	got := content.MaskLongInline([]byte(src), content.MaxInlineBlock)
	require.Len(t, got, len(src), "offsets are kept")
	s := string(got)
	assert.True(t, strings.HasPrefix(s, "# Title\n\n- a *list* item\n\n"), "short blocks keep their markup: %q", s[:30])
	assert.True(t, strings.HasSuffix(s, "A [link](https://example.com).\n"))
	masked := s[len("# Title\n\n- a *list* item\n\n") : len(s)-len("\n\nA [link](https://example.com).\n")]
	assert.Equal(t, strings.Repeat("xaxx", 2000), masked)
}

// TestAssembleQuadraticMarkdown feeds the inputs on which goldmark's inline
// parsing is quadratic. Unguarded, each takes hours; the test passes by
// finishing at all, and checks that the text survives as literal text.
func TestAssembleQuadraticMarkdown(t *testing.T) {
	a := content.NewAssembler()
	for name, body := range map[string]string{
		"unclosed links": strings.Repeat("[a](", 256<<10),
		"emphasis":       strings.Repeat("*a_", 300<<10),
		"images":         strings.Repeat("![a](", 200<<10),
	} {
		t.Run(name, func(t *testing.T) {
			u := &content.Update{Base: content.Base{Title: "A pathological body", Body: body}}
			b, err := a.Assemble(context.Background(), content.DocumentOf(u), content.Options{Channels: []content.Channel{content.ChannelWebsite}})
			require.NoError(t, err)
			assert.Contains(t, b.WebPost.HTML, body[:40], "rendered as literal text")
		})
	}
}
