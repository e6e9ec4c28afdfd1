package source_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func TestParseText(t *testing.T) {
	in := "Breathscape notes\n\n" +
		"2026-11-20 — New sensor release\nThe Pulse device streams HRV.\nIt charges over USB-C.\n\n" +
		"  Evening tips  \nBreathe out longer than you breathe in.\n\n" +
		"Office move\nWe moved to a bigger space.\n"
	doc, err := source.ParseText([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, content.FormatText, doc.Format)
	assert.Equal(t, doc.ContentHash(), doc.Hash)
	assert.Equal(t, "Breathscape notes", doc.Title)
	items := doc.Items()
	require.Len(t, items, 3)
	assert.Equal(t, "New sensor release", items[0].Title)
	assert.Equal(t, "The Pulse device streams HRV.\nIt charges over USB-C.", items[0].Body)
	assert.True(t, day(2026, 11, 20).Equal(items[0].Date))
	assert.Equal(t, content.CategoryHardware, items[0].Category)
	assert.Equal(t, "Evening tips", items[1].Title)
	assert.Equal(t, content.CategoryTips, items[1].Category)
	assert.Equal(t, content.CategoryGeneral, items[2].Category)
	assert.True(t, items[2].Date.Equal(time.Time{}))
	require.Len(t, doc.Sections, 3)
	assert.Equal(t, "hardware", doc.Sections[0].Heading)
}

func TestParseTextTitleRule(t *testing.T) {
	tests := []struct {
		name, in, title string
		items           int
	}{
		{"single block is an item", "Just one line", "", 1},
		{"first block of two lines is an item", "Title line\nand more\n\nSecond", "", 2},
		{"short first line is the title", "Title\n\nBody block", "Title", 1},
		{"long first line is an item", repeat("word ", 30) + "\n\nBody block", "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseText([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.title, doc.Title)
			assert.Len(t, doc.Items(), tt.items)
		})
	}
}
