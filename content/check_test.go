package content_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// hiddenValidator hides the DefaultValidator's type from Check, so that
// Check validates every item through the Validator interface.
type hiddenValidator struct{ content.Validator }

// Check validates the items after the first without their enrichment
// when given the DefaultValidator; its report must be the one the
// interface alone gives, word-count warnings of later items included.
func TestCheckDefaultValidatorMatchesInterface(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	words := func(n int) string { return strings.Repeat("Calm breathing helps. ", n/3) }
	doc := (&content.Document{
		Title: "Notes", Source: "sample:", Format: content.FormatMarkdown,
		Sections: []content.Section{{Heading: "Tips", Category: content.CategoryTips, Items: []content.Item{
			{Title: "First", Date: now.AddDate(0, 0, -1), Body: "Breathe in for four counts. " + words(60)},
			{Title: "A short blog", Date: now.AddDate(0, 0, -2), Body: "## Why\n\n" + words(90), Flags: content.Flags{Type: content.TypeBlog}},
			{Title: "A long update", Date: now.AddDate(0, 0, -3), Body: words(700) + "\n\n```\ncode is not counted\n```\n"},
			{Title: "Guaranteed results", Date: now.AddDate(0, 0, -4), Body: "This cures anxiety, guaranteed. " + words(30)},
		}}},
	}).Seal()
	v := &content.DefaultValidator{Now: func() time.Time { return now }}
	b, err := content.NewAssembler().Assemble(context.Background(), doc, content.Options{Now: now})
	require.NoError(t, err)

	got := content.Check(context.Background(), v, doc, b)
	want := content.Check(context.Background(), hiddenValidator{v}, doc, b)
	assert.Equal(t, want, got)

	codes := map[string]bool{}
	for _, i := range append(got.Issues, got.Warnings...) {
		codes[i.Field+" "+i.Code] = true
	}
	assert.True(t, codes["items[1].content "+content.CodeTooFewWords], "the later blog's word count is checked: %v", codes)
	assert.True(t, codes["items[2].content "+content.CodeTooManyWords], "the later update's word count is checked: %v", codes)
	require.NotNil(t, got.Metadata)
	assert.Equal(t, v.ValidateContent(context.Background(), doc.Items()[0].Typed()).Metadata, got.Metadata)
}
