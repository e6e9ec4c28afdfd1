package content_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

// BenchmarkValidateBundle validates the bundle of BenchmarkAssemble's
// document.
func BenchmarkValidateBundle(b *testing.B) {
	ctx := context.Background()
	bundle, err := content.NewAssembler().Assemble(ctx, livingDoc(), content.Options{Now: fixedNow, Platforms: content.Platforms()})
	if err != nil {
		b.Fatal(err)
	}
	v := &content.DefaultValidator{Now: func() time.Time { return fixedNow }}
	b.ReportAllocs()
	for b.Loop() {
		v.ValidateBundle(ctx, bundle)
	}
}

// BenchmarkWeightedLength counts a 280-character mixed post with a URL and
// an emoji.
func BenchmarkWeightedLength(b *testing.B) {
	post := strings.Repeat("Breathe in for four, out for six. ", 7) + "https://example.com/guide 🌬️ こんにちは"
	b.ReportAllocs()
	for b.Loop() {
		content.WeightedLength(post)
	}
}
