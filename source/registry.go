package source

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/halcytone/halcytone/content"
)

// ErrUnknownScheme is wrapped (in a content.InvalidContent *content.Error)
// by Registry.Fetch when no source is registered for a reference's scheme.
var ErrUnknownScheme = errors.New("no source for scheme")

// Registry resolves references such as "gdocs:ID", "file:news.md",
// "sample:" or "https://host/doc.md" to the Source registered for their
// scheme (the text before the first ":"). A URL source is registered under
// both "http" and "https". A Registry is safe for concurrent use.
type Registry struct {
	now     func() time.Time
	mu      sync.RWMutex
	sources map[string]Source
}

// RegistryOption configures a Registry.
type RegistryOption func(*Registry)

// WithClock makes the Registry stamp FetchedAt with now instead of
// time.Now.
func WithClock(now func() time.Time) RegistryOption {
	return func(r *Registry) {
		if now != nil {
			r.now = now
		}
	}
}

// NewRegistry returns a registry that knows the "sample" scheme
// (SampleSource); register the others with Register.
func NewRegistry(opts ...RegistryOption) *Registry {
	r := &Registry{now: time.Now, sources: map[string]Source{"sample": SampleSource{}}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Register makes s the source for references with the given scheme,
// replacing any before it. The scheme is case-insensitive and may be
// written with its ":" ("file:"). A nil s removes the scheme.
func (r *Registry) Register(scheme string, s Source) {
	scheme = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(scheme), ":"))
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == nil {
		delete(r.sources, scheme)
		return
	}
	r.sources[scheme] = s
}

// Schemes returns the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.sources))
	for k := range r.sources {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Fetch fetches ref from the source registered for its scheme. Space
// around ref is ignored and its scheme is read in any case (RFC 3986); the
// source receives ref without the space and with the scheme in lower case.
// It sets
// the document's Source to ref and FetchedAt to the registry's clock (UTC)
// when the source left them empty, and seals its Hash if the source did
// not. A reference without a scheme, or with one nobody registered, is
// content.InvalidContent wrapping ErrUnknownScheme and naming the known
// schemes; the source's own errors are returned as they are.
func (r *Registry) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	const op = "source: fetch"
	scheme, rest, ok := strings.Cut(strings.TrimSpace(ref), ":")
	scheme = strings.ToLower(scheme)
	r.mu.RLock()
	s := r.sources[scheme]
	r.mu.RUnlock()
	if !ok || s == nil || !validScheme(scheme) {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "document_id",
			Err: errorfWrap(ErrUnknownScheme, "reference %q (known schemes: %s)", ref, strings.Join(r.Schemes(), ", "))}
	}
	if err := ctx.Err(); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	// The source gets the reference as it resolved it, so that "FILE:x"
	// or " file:x" reads what "file:x" does.
	ref = scheme + ":" + rest
	doc, err := s.Fetch(ctx, ref)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, content.Errorf(content.Permanent, op, "source for %q returned no document", scheme)
	}
	if doc.Source == "" {
		doc.Source = ref
	}
	if doc.FetchedAt.IsZero() {
		doc.FetchedAt = r.now().UTC()
	}
	if doc.Hash == "" {
		doc.Seal()
	}
	return doc, nil
}

// validScheme reports whether s is a URI scheme: a letter, then letters,
// digits, "+", "-" or ".".
func validScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}
