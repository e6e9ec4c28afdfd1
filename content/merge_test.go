package content_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
)

func TestMerge(t *testing.T) {
	vars := map[string]string{
		content.MergeName: `Ann <b>&</b>`,
		"unsubscribe_url": "https://example.com/u?id=1&t=2",
		"preferences_url": "javascript:alert(1)",
		"{{ spaced }}":    "never used",
		"plain":           "P",
	}
	tests := []struct {
		name string
		in   string
		html bool
		want string
	}{
		{"text", "Hi {{name}}, leave at {{unsubscribe_url}}", false, "Hi Ann <b>&</b>, leave at https://example.com/u?id=1&t=2"},
		{"html escapes values", `Hi {{name}} <a href="{{unsubscribe_url}}">x</a>`, true, `Hi Ann &lt;b&gt;&amp;&lt;/b&gt; <a href="https://example.com/u?id=1&amp;t=2">x</a>`},
		{"unsafe URL in html", `<a href="{{preferences_url}}">p</a>`, true, `<a href="#">p</a>`},
		{"unsafe URL in text is kept", "{{preferences_url}}", false, "javascript:alert(1)"},
		{"unknown tag left alone", "{{unknown}} {{name}}", false, "{{unknown}} Ann <b>&</b>"},
		{"bare key", "{{ plain }}", false, "P"},
		{"unclosed tag", "Hi {{name", false, "Hi {{name"},
		{"no tags", "nothing", true, "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, content.Merge(tt.in, vars, tt.html))
		})
	}
	assert.Equal(t, "{{name}}", content.Merge("{{name}}", nil, true))
}

func TestMergeNewsletter(t *testing.T) {
	b := assemble(t, livingDoc(), content.Options{})
	vars := map[string]string{"name": "Sam", "unsubscribe_url": "https://example.com/unsub", "preferences_url": "https://example.com/prefs"}
	html := content.Merge(b.Newsletter.HTML, vars, true)
	assert.Contains(t, html, "Hello Sam,")
	assert.Contains(t, html, `href="https://example.com/unsub"`)
	assert.Contains(t, html, `href="https://example.com/prefs"`)
	assert.NotContains(t, html, "{{")
	text := content.Merge(b.Newsletter.Text, vars, false)
	assert.Contains(t, text, "Unsubscribe: https://example.com/unsub")
}
