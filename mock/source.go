package mock

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

var _ source.Source = (*Source)(nil)

// Source is an in-memory source.Source. It serves documents added with
// AddDocument, or parses text added with AddText on every fetch, records
// every reference it is asked for, and returns an error set with Fail for
// a reference. Unknown references fail with content.NotFound. The zero
// value is an empty source, ready to use.
type Source struct {
	mu    sync.Mutex
	docs  map[string]*content.Document
	texts map[string]text
	errs  map[string]error
	calls []string
}

type text struct {
	data   []byte
	format content.Format
}

// NewSource returns an empty Source.
func NewSource() *Source { return &Source{} }

// AddDocument serves a copy of doc for ref.
func (s *Source) AddDocument(ref string, doc *content.Document) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs == nil {
		s.docs = map[string]*content.Document{}
	}
	s.docs[ref] = cloneDocument(doc)
	delete(s.texts, ref)
}

// AddText serves text for ref, parsed by source.Parse in format ("" to
// detect it) on every fetch, so that parse errors surface from Fetch.
func (s *Source) AddText(ref, data string, format content.Format) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.texts == nil {
		s.texts = map[string]text{}
	}
	s.texts[ref] = text{data: []byte(data), format: format}
	delete(s.docs, ref)
}

// Fail makes every fetch of ref return err, until Fail is called again
// with a nil err. It takes precedence over added documents.
func (s *Source) Fail(ref string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.errs, ref)
		return
	}
	if s.errs == nil {
		s.errs = map[string]error{}
	}
	s.errs[ref] = err
}

// Calls returns the references fetched so far, in order.
func (s *Source) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Refs returns the references the source serves, sorted.
func (s *Source) Refs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := slices.Collect(maps.Keys(s.docs))
	refs = slices.AppendSeq(refs, maps.Keys(s.texts))
	slices.Sort(refs)
	return refs
}

// Fetch records the call and returns ref's document (a copy, with Source
// set to ref and Hash sealed if it was empty), its parse error, its
// failure, or a NotFound error. It fails
// with ctx's error, recorded all the same, when ctx has ended.
func (s *Source) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	s.mu.Lock()
	s.calls = append(s.calls, ref)
	err, failing := s.errs[ref]
	doc, isDoc := s.docs[ref]
	txt, isText := s.texts[ref]
	s.mu.Unlock()

	const op = "mock: fetch"
	if cerr := ctx.Err(); cerr != nil {
		class := content.Retryable
		if errors.Is(cerr, context.Canceled) {
			class = content.Permanent
		}
		return nil, &content.Error{Class: class, Op: op, Err: cerr}
	}
	switch {
	case failing:
		return nil, err
	case isDoc:
		d := cloneDocument(doc)
		d.Source = ref
		if d.Hash == "" {
			d.Seal()
		}
		return d, nil
	case isText:
		d, err := source.Parse(txt.data, txt.format)
		if err != nil {
			return nil, fmt.Errorf("mock: parse %s: %w", ref, err)
		}
		d.Source = ref
		return d.Seal(), nil
	}
	return nil, content.Errorf(content.NotFound, op, "no document %q", ref)
}

// cloneDocument copies doc deeply enough that changes to the copy's
// sections, items, flags and warnings do not reach the original.
func cloneDocument(doc *content.Document) *content.Document {
	if doc == nil {
		return &content.Document{}
	}
	d := *doc
	d.Sections = slices.Clone(doc.Sections)
	for i := range d.Sections {
		d.Sections[i].Items = slices.Clone(d.Sections[i].Items)
		for j := range d.Sections[i].Items {
			it := &d.Sections[i].Items[j]
			it.Flags.Channels = slices.Clone(it.Flags.Channels)
		}
	}
	d.Warnings = slices.Clone(doc.Warnings)
	return &d
}
