package source_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func TestParseJSONShapes(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		title    string
		headings []string
		cats     []content.Category
		items    []string
	}{
		{"list of items",
			`[{"title":"A","content":"a body","category":"app"},{"title":"B","body":"b body"},{"title":"C","content":"c","category":"software"}]`,
			"", []string{"breathscape", ""}, []content.Category{content.CategoryBreathscape, content.CategoryGeneral}, []string{"A", "C", "B"}},
		{"object of categories keeps order",
			`{"tips":[{"title":"T","content":"t"}],"hardware":[{"title":"H","content":"h"}],"events":[{"title":"E","content":"e"}]}`,
			"", []string{"tips", "hardware", "events"}, []content.Category{content.CategoryTips, content.CategoryHardware, "events"}, []string{"T", "H", "E"}},
		{"document with items",
			`{"title":"News","items":[{"title":"A","content":"a"}]}`,
			"News", []string{""}, []content.Category{content.CategoryGeneral}, []string{"A"}},
		{"document with sections",
			`{"title":"News","sections":[{"heading":"Our mission","items":[{"title":"V","content":"v"}]},{"heading":"X","category":"Sensors","items":[{"title":"S","content":"s"}]}]}`,
			"News", []string{"Our mission", "X"}, []content.Category{content.CategoryVision, content.CategoryHardware}, []string{"V", "S"}},
		{"one item",
			`{"title":"Solo","content":"just one"}`,
			"", []string{""}, []content.Category{content.CategoryGeneral}, []string{"Solo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseJSON([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, content.FormatJSON, doc.Format)
			assert.Equal(t, doc.ContentHash(), doc.Hash)
			assert.Equal(t, tt.title, doc.Title)
			var headings []string
			var cats []content.Category
			for _, s := range doc.Sections {
				headings = append(headings, s.Heading)
				cats = append(cats, s.Category)
			}
			assert.Equal(t, tt.headings, headings)
			assert.Equal(t, tt.cats, cats)
			var titles []string
			for _, it := range doc.Items() {
				titles = append(titles, it.Title)
			}
			assert.Equal(t, tt.items, titles)
		})
	}
}

func TestParseJSONItemFields(t *testing.T) {
	in := `[{"title":" Launch ","content":"Body","date":"2026-11-20","type":"announcement","published":true,
		"channels":["email","web"],"priority":2,"scheduled_for":"2026-12-01T10:00:00Z","dry_run":false,
		"template":"minimal","featured":true,"unknown":{"ignored":[1,2]}},
		{"title":"B","content":"b","channels":"email, twitter","priority":"low","date":"January 5, 2026"}]`
	doc, err := source.ParseJSON([]byte(in))
	require.NoError(t, err)
	items := doc.Items()
	require.Len(t, items, 2)
	assert.Equal(t, "Launch", items[0].Title)
	assert.Equal(t, "Body", items[0].Body)
	assert.True(t, day(2026, 11, 20).Equal(items[0].Date))
	assert.Equal(t, content.Flags{
		Type: content.TypeAnnouncement, Published: true,
		Channels:     []content.Channel{content.ChannelEmail, content.ChannelWebsite},
		Priority:     content.PriorityHigh,
		ScheduledFor: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Template:     content.TemplateMinimal, Featured: true,
	}, items[0].Flags)
	assert.Equal(t, []content.Channel{content.ChannelEmail, content.ChannelTwitter}, items[1].Flags.Channels)
	assert.Equal(t, content.PriorityLow, items[1].Flags.Priority)
	assert.True(t, day(2026, 1, 5).Equal(items[1].Date))
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, field string
		want            error
	}{
		{"date of wrong type", `{"items":[{"title":"a","content":"x"},{"title":"b","content":"y"},{"title":"c","date":20261120}]}`, "items[2].date", source.ErrMalformed},
		{"unreadable date", `[{"title":"a","date":"someday"}]`, "[0].date", source.ErrMalformed},
		{"title not a string", `[{"title":["a"]}]`, "[0].title", source.ErrMalformed},
		{"published not a boolean", `[{"title":"a","published":"yes"}]`, "[0].published", source.ErrMalformed},
		{"priority out of range", `[{"title":"a","priority":7}]`, "[0].priority", source.ErrMalformed},
		{"unknown channel", `{"tips":[{"title":"a","channels":["fax"]}]}`, "tips[0].channels", source.ErrMalformed},
		{"item not an object", `{"items":[1]}`, "items[0]", source.ErrMalformed},
		{"empty item", `[{"title":"a"},{}]`, "[1]", source.ErrMalformed},
		{"category value not a list", `{"tips":"nope"}`, "tips", source.ErrMalformed},
		{"section item bad", `{"sections":[{"heading":"h","items":[{"title":"t","type":"poem"}]}]}`, "sections[0].items[0].type", source.ErrMalformed},
		{"top-level scalar", `42`, "", source.ErrMalformed},
		{"syntax error", `[{"title":"a",}]`, "", source.ErrMalformed},
		{"truncated", `{"items":[{"title":"a"}`, "items", source.ErrMalformed},
		{"trailing data", `{"title":"a","content":"b"} {}`, "", source.ErrMalformed},
		{"empty list", `[]`, "", source.ErrEmpty},
		{"document without items", `{"title":"t","items":[]}`, "", source.ErrEmpty},
		{"deep nesting", "[" + repeat("[", 20000) + repeat("]", 20000) + "]", "", source.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseJSON([]byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, doc)
			assert.ErrorIs(t, err, tt.want)
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, content.InvalidContent, ce.Class)
			assert.Equal(t, tt.field, ce.Field)
			if tt.field != "" {
				assert.Contains(t, err.Error(), tt.field)
			}
		})
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}
