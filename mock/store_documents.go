package mock

import (
	"context"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// SaveDocument implements store.Queries.
func (o *ops) SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (store.DocumentVersion, bool, error) {
	if err := o.check(ctx); err != nil {
		return store.DocumentVersion{}, false, err
	}
	if ref == "" {
		return store.DocumentVersion{}, false, invalid("save document: empty ref")
	}
	if doc == nil {
		return store.DocumentVersion{}, false, invalid("save document %q: nil document", ref)
	}
	hash := doc.ContentHash()
	versions := o.d.docs[ref]
	if n := len(versions); n > 0 && !force && versions[n-1].Hash == hash {
		v, err := cloneVersion(versions[n-1])
		return v, false, err
	}
	stored, err := copyDocument(doc)
	if err != nil {
		return store.DocumentVersion{}, false, err
	}
	v := store.DocumentVersion{Ref: ref, Version: len(versions) + 1, Hash: hash, Document: stored, CreatedAt: now()}
	put(o.undo, o.d.docs, ref, append(versions[:len(versions):len(versions)], v))
	out, err := cloneVersion(v)
	return out, true, err
}

// LatestDocument implements store.Queries.
func (o *ops) LatestDocument(ctx context.Context, ref string) (store.DocumentVersion, error) {
	if err := o.check(ctx); err != nil {
		return store.DocumentVersion{}, err
	}
	if ref == "" {
		return store.DocumentVersion{}, invalid("latest document: empty ref")
	}
	versions := o.d.docs[ref]
	if len(versions) == 0 {
		return store.DocumentVersion{}, notFound("document", ref)
	}
	return cloneVersion(versions[len(versions)-1])
}

// DocumentVersions implements store.Queries; limit 0 lists every version.
func (o *ops) DocumentVersions(ctx context.Context, ref string, limit int) ([]store.DocumentVersion, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, invalid("document versions: empty ref")
	}
	if limit < 0 {
		return nil, invalid("document versions of %q: negative limit %d", ref, limit)
	}
	versions := o.d.docs[ref]
	if limit == 0 || limit > len(versions) {
		limit = len(versions)
	}
	out := make([]store.DocumentVersion, 0, limit)
	for i := len(versions) - 1; i >= len(versions)-limit; i-- {
		v, err := cloneVersion(versions[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SaveBundle implements store.Queries; a taken ID is replaced.
func (o *ops) SaveBundle(ctx context.Context, b *store.BundleRecord) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if b == nil || b.ID == "" {
		return invalid("save bundle: empty ID")
	}
	if b.Bundle == nil {
		return invalid("save bundle %q: nil bundle", b.ID)
	}
	bundle, err := copyBundle(b.Bundle)
	if err != nil {
		return err
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = now()
	}
	c := *b
	c.Bundle, c.CreatedAt = bundle, norm(b.CreatedAt)
	put(o.undo, o.d.bundles, b.ID, &c)
	return nil
}

// GetBundle implements store.Queries.
func (o *ops) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get bundle: empty ID")
	}
	b, ok := o.d.bundles[id]
	if !ok {
		return nil, notFound("bundle", id)
	}
	bundle, err := copyBundle(b.Bundle)
	if err != nil {
		return nil, err
	}
	c := *b
	c.Bundle = bundle
	return &c, nil
}
