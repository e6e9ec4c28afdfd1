package mock_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/source"
)

func TestSourceServesDocuments(t *testing.T) {
	s := mock.NewSource()
	s.AddDocument("gdocs:one", &content.Document{Title: "One", Sections: []content.Section{{
		Heading: "Tips", Category: content.CategoryTips,
		Items: []content.Item{{Title: "Box breathing", Body: "Breathe in for four counts.",
			Flags: content.Flags{Channels: []content.Channel{content.ChannelEmail}}}},
	}}})
	s.AddText("file:news.md", "# News\n\n## Tips\n\n### Box breathing\n\nBreathe in for four counts and out for four.\n", content.FormatMarkdown)

	doc, err := s.Fetch(context.Background(), "gdocs:one")
	require.NoError(t, err)
	assert.Equal(t, "One", doc.Title)
	assert.Equal(t, "gdocs:one", doc.Source)
	assert.Equal(t, doc.ContentHash(), doc.Hash)

	// The copy is the caller's: changing it does not change the source.
	doc.Sections[0].Items[0].Title = "changed"
	doc.Sections[0].Items[0].Flags.Channels[0] = content.ChannelTwitter
	again, err := s.Fetch(context.Background(), "gdocs:one")
	require.NoError(t, err)
	assert.Equal(t, "Box breathing", again.Sections[0].Items[0].Title)
	assert.Equal(t, content.ChannelEmail, again.Sections[0].Items[0].Flags.Channels[0])

	md, err := s.Fetch(context.Background(), "file:news.md")
	require.NoError(t, err)
	assert.Equal(t, "News", md.Title)
	require.Len(t, md.Items(), 1)
	assert.Equal(t, "Box breathing", md.Items()[0].Title)
	assert.Equal(t, md.ContentHash(), md.Hash)

	assert.Equal(t, []string{"file:news.md", "gdocs:one"}, s.Refs())
	assert.Equal(t, []string{"gdocs:one", "gdocs:one", "file:news.md"}, s.Calls())
}

func TestSourceFailures(t *testing.T) {
	s := mock.NewSource()
	s.AddDocument("notion:db", &content.Document{Title: "DB"})
	s.AddText("file:bad.md", "", content.FormatMarkdown)
	limited := &content.Error{Class: content.RateLimited, Op: "notion"}
	s.Fail("notion:db", limited)

	_, err := s.Fetch(context.Background(), "notion:db")
	assert.ErrorIs(t, err, limited)

	s.Fail("notion:db", nil)
	_, err = s.Fetch(context.Background(), "notion:db")
	assert.NoError(t, err)

	_, err = s.Fetch(context.Background(), "gdocs:missing")
	assert.Equal(t, content.NotFound, content.ClassOf(err))

	_, err = s.Fetch(context.Background(), "file:bad.md")
	assert.ErrorIs(t, err, source.ErrEmpty)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Fetch(ctx, "notion:db")
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Len(t, s.Calls(), 5, "every call is recorded, failed ones too")
}

func TestSourceZeroValueAndConcurrency(t *testing.T) {
	var s mock.Source
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := fmt.Sprintf("sample:%d", i)
			s.AddDocument(ref, &content.Document{Title: ref})
			doc, err := s.Fetch(context.Background(), ref)
			assert.NoError(t, err)
			assert.Equal(t, ref, doc.Title)
			s.Fail(ref, errors.New("down"))
			_ = s.Calls()
		}()
	}
	wg.Wait()
	assert.Len(t, s.Calls(), 8)
	assert.Len(t, s.Refs(), 8)
}
