package server

import (
	"context"
	"slices"
	"strings"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// RemoteSchemes returns the schemes whose documents serve caches: those
// fetched over the network, where every fetch costs latency and the
// provider's quota. A file or the sample is read again every time, so an
// edit on disk shows at once.
func RemoteSchemes() []string { return []string{"gdocs", "notion", "http", "https"} }

// CachedSource returns src with the documents of references of the given
// schemes kept in c (target local), so that previews do not fetch a
// document again while its entry lives. An entry is keyed by the reference
// as resolved (space trimmed, scheme in lower case) and tagged "document",
// "doc:<reference>" and "hash:<content hash>": the invalidation
// endpoints and the cache webhook drop it with the previews of the same
// document.
//
// Only previews read the cache: a fetch made for anything else (a job
// that will publish) goes to src, and its document replaces the entry, so
// nothing is published from a stale copy. The server marks its previews
// (Server.run); other callers fetch through. Errors are not cached, and
// concurrent missing previews of one reference fetch it once. The cached
// *content.Document is shared: its readers must not modify it, as the
// engine does not.
func CachedSource(src source.Source, c *Cache, schemes ...string) source.Source {
	return &cachedSource{next: src, cache: c, schemes: slices.Clone(schemes)}
}

type cachedSource struct {
	next    source.Source
	cache   *Cache
	schemes []string
	flights cacheFlights
}

// previewKey marks a context whose fetches may be answered from the cache.
type previewKey struct{}

// forPreview returns ctx marked so that CachedSource may answer its
// fetches from the cache.
func forPreview(ctx context.Context) context.Context {
	return context.WithValue(ctx, previewKey{}, true)
}

func isPreview(ctx context.Context) bool {
	v, _ := ctx.Value(previewKey{}).(bool)
	return v
}

// Schemes returns the schemes of the source it wraps, when that lists
// them (source.Registry does), else none.
func (s *cachedSource) Schemes() []string {
	if l, ok := s.next.(interface{ Schemes() []string }); ok {
		return l.Schemes()
	}
	return nil
}

// Fetch implements source.Source.
func (s *cachedSource) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(ref), ":")
	scheme = strings.ToLower(scheme)
	if !ok || !slices.Contains(s.schemes, scheme) {
		return s.next.Fetch(ctx, ref)
	}
	key := scheme + ":" + rest
	if !isPreview(ctx) {
		doc, err := s.next.Fetch(ctx, ref)
		if err == nil {
			s.keep(key, doc)
		}
		return doc, err
	}
	if doc := s.kept(key); doc != nil {
		return doc, nil
	}
	v, err := s.flights.do(ctx, key, func() (any, error) {
		// A flight that ended between the look-up above and this one
		// has kept its document: look again before fetching.
		if doc := s.kept(key); doc != nil {
			return doc, nil
		}
		doc, err := s.next.Fetch(ctx, ref)
		if err != nil {
			return nil, err
		}
		s.keep(key, doc)
		return doc, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*content.Document), nil
}

// kept returns the document kept under key, or nil.
func (s *cachedSource) kept(key string) *content.Document {
	v, _ := s.cache.Get(CacheTargetLocal, key)
	doc, _ := v.(*content.Document)
	return doc
}

// keep stores doc under key.
func (s *cachedSource) keep(key string, doc *content.Document) {
	if doc == nil {
		return
	}
	tags := []string{"document", "doc:" + key}
	if doc.Hash != "" {
		tags = append(tags, "hash:"+doc.Hash)
	}
	s.cache.Set(key, doc, CacheOptions{Target: CacheTargetLocal, Tags: tags, Size: documentSize(doc)})
}

// documentSize approximates the bytes a document holds: its text twice
// (the parsed items and their typed content) and a little per item.
func documentSize(doc *content.Document) int64 {
	n := int64(len(doc.Title) + len(doc.Source) + len(doc.Hash))
	for _, s := range doc.Sections {
		n += int64(len(s.Heading))
		for _, it := range s.Items {
			n += 2*int64(len(it.Title)+len(it.Body)) + 256
		}
	}
	return n
}
