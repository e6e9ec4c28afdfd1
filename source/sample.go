package source

import (
	"context"
	_ "embed"
	"time"

	"github.com/halcytone/halcytone/content"
)

//go:embed sample/living.md
var sampleText string

// Sample returns the built-in sample living document, Markdown about the
// fictional breathing-wellness company Breathscape: all four categories,
// dated items written both with list fields and as paragraphs, item flags,
// a launch announcement and items long enough to need an X thread. The
// caller owns the returned slice.
func Sample() []byte { return []byte(sampleText) }

// SampleSource serves the sample document (see Sample) for the reference
// "sample:" (or "sample:living"). NewRegistry registers it under "sample".
type SampleSource struct{}

var _ Source = SampleSource{}

// Fetch parses the sample document and returns it with Source set to ref
// and FetchedAt to now. Any other "sample:" name is content.NotFound.
func (SampleSource) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: "source: sample", Err: err}
	}
	if ref != "sample:" && ref != "sample:living" {
		return nil, content.Errorf(content.NotFound, "source: sample", "no sample document %q (want \"sample:\")", ref)
	}
	doc, err := ParseMarkdown(Sample())
	if err != nil {
		return nil, err
	}
	doc.Source, doc.FetchedAt = ref, time.Now().UTC()
	return doc, nil
}
