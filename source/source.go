package source

import (
	"context"

	"github.com/halcytone/halcytone/content"
)

// Source fetches living documents. A reference names the document in the
// source's own terms, prefixed by the scheme it is registered under, such
// as "gdocs:1AbC", "notion:db-id", "file:news.md" or "https://host/doc.md".
// Implementations must be safe for concurrent use, honour ctx's deadline,
// and return failures classified with *content.Error.
type Source interface {
	Fetch(ctx context.Context, ref string) (*content.Document, error)
}

// SourceFunc adapts a function to the Source interface.
type SourceFunc func(ctx context.Context, ref string) (*content.Document, error)

// Fetch calls f(ctx, ref).
func (f SourceFunc) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	return f(ctx, ref)
}
