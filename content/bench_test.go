package content_test

import (
	"context"
	"testing"

	"github.com/halcytone/halcytone/content"
)

// BenchmarkAssemble assembles a living document of about 5 KB into every
// channel and every platform.
func BenchmarkAssemble(b *testing.B) {
	a := content.NewAssembler()
	doc := livingDoc()
	opts := content.Options{Now: fixedNow, Platforms: content.Platforms()}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Assemble(ctx, doc, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchmarkDocumentSize(t *testing.T) {
	n := 0
	for _, it := range livingDoc().Items() {
		n += len(it.Title) + len(it.Body)
	}
	if n < 4500 || n > 6000 {
		t.Fatalf("benchmark document holds %d bytes, want about 5 KB", n)
	}
}
