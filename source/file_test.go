package source_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// contentDir makes a content directory with a few documents, a secret
// file beside it, and symbolic links that point out of it and within it.
func contentDir(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "content")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	write := func(name, data string) {
		require.NoError(t, os.WriteFile(name, []byte(data), 0o644))
	}
	write(filepath.Join(base, "secret.md"), "# Secret\n### Key\nhunter2")
	write(filepath.Join(root, "news.md"), livingDoc)
	write(filepath.Join(root, "items.json"), `[{"title":"From JSON","content":"json body"}]`)
	write(filepath.Join(root, "notes.txt"), "Notes\n\nFirst note\nbody")
	write(filepath.Join(root, "sub", "detect"), `{"title":"Detected","content":"yes"}`)
	write(filepath.Join(root, "forced.txt"), "# Not markdown\n\nbody")
	write(filepath.Join(root, "broken.json"), `{"items":`)
	require.NoError(t, os.Symlink(filepath.Join(base, "secret.md"), filepath.Join(root, "escape.md")))
	require.NoError(t, os.Symlink(filepath.Join(base), filepath.Join(root, "up")))
	require.NoError(t, os.Symlink("news.md", filepath.Join(root, "inside.md")))
	return root
}

func TestFileFetch(t *testing.T) {
	f := &source.File{Root: contentDir(t)}
	ctx := context.Background()
	tests := []struct {
		ref    string
		format content.Format
		title  string
		first  string
	}{
		{"file:news.md", content.FormatMarkdown, "Breathscape News", "Adaptive pacer"},
		{"file:items.json", content.FormatJSON, "", "From JSON"},
		{"file:notes.txt", content.FormatText, "Notes", "First note"},
		{"file:sub/detect", content.FormatJSON, "", "Detected"},
		{"file:forced.txt", content.FormatText, "# Not markdown", "body"},
		{"file:inside.md", content.FormatMarkdown, "Breathscape News", "Adaptive pacer"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			doc, err := f.Fetch(ctx, tt.ref)
			require.NoError(t, err)
			assert.Equal(t, tt.ref, doc.Source)
			assert.Equal(t, tt.format, doc.Format)
			assert.False(t, doc.FetchedAt.IsZero())
			assert.Equal(t, doc.ContentHash(), doc.Hash)
			assert.Equal(t, tt.title, doc.Title)
			require.NotEmpty(t, doc.Items())
			assert.Equal(t, tt.first, doc.Items()[0].Title)
		})
	}
}

func TestFileFetchRefused(t *testing.T) {
	root := contentDir(t)
	big := filepath.Join(root, "big.md")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", source.MaxDocumentSize+1)), 0o644))
	f := &source.File{Root: root}
	tests := []struct {
		ref  string
		want content.ErrorClass
	}{
		{"file:../secret.md", content.InvalidContent},
		{"file:sub/../../secret.md", content.InvalidContent},
		{"file:/etc/passwd", content.InvalidContent},
		{"file:escape.md", content.InvalidContent},
		{"file:up/secret.md", content.InvalidContent},
		{"file:missing.md", content.NotFound},
		{"file:sub", content.InvalidContent},
		{"file:", content.InvalidContent},
		{"news.md", content.InvalidContent},
		{"file:big.md", content.InvalidContent},
		{"file:broken.json", content.InvalidContent},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			doc, err := f.Fetch(context.Background(), tt.ref)
			require.Error(t, err)
			assert.Nil(t, doc)
			assert.Equal(t, tt.want, content.ClassOf(err), "error: %v", err)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
	t.Run("too large wraps ErrTooLarge", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), "file:big.md")
		assert.ErrorIs(t, err, source.ErrTooLarge)
	})
	t.Run("no root", func(t *testing.T) {
		_, err := (&source.File{}).Fetch(context.Background(), "file:news.md")
		assert.Equal(t, content.Permanent, content.ClassOf(err))
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.Fetch(ctx, "file:news.md")
		assert.ErrorIs(t, err, context.Canceled)
	})
}
