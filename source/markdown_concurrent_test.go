package source_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// TestParseMarkdownConcurrent: the goldmark parser is shared by every
// call (built once); parses from many goroutines must not interfere (run
// under -race).
func TestParseMarkdownConcurrent(t *testing.T) {
	doc := []byte("# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe *in* for four counts and out for six.\n\n- one\n- two\n")
	want, err := source.ParseMarkdown(doc)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	docs := make(chan *content.Document, 16)
	for range 16 {
		wg.Go(func() {
			d, err := source.ParseMarkdown(doc)
			errs <- err
			docs <- d
		})
	}
	wg.Wait()
	close(errs)
	close(docs)
	for err := range errs {
		require.NoError(t, err)
	}
	for d := range docs {
		assert.Equal(t, want.ContentHash(), d.ContentHash())
	}
}
