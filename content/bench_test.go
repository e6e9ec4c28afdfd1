package content_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
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

// livingMarkdown writes livingDoc as the Markdown living document that
// source.ParseMarkdown reads back into the same sections and items, except
// that "##" headings inside a body become "####" (a "##" would start a
// section; the assembler shifts body headings below the item's own, so
// both render alike), bodies lose their trailing space and items take
// their section's category explicitly, as the parser gives them.
func livingMarkdown() []byte {
	d := livingDoc()
	var b strings.Builder
	b.WriteString("# " + d.Title + "\n")
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "\n## [%s] %s\n", s.Category, s.Heading)
		for _, it := range s.Items {
			fmt.Fprintf(&b, "\n### %s — %s\n", it.Date.Format(time.RFC3339), it.Title)
			if it.Flags.Priority != 0 {
				fmt.Fprintf(&b, "<!-- priority: %d -->\n", it.Flags.Priority)
			}
			body := strings.ReplaceAll(it.Body, "## ", "#### ")
			b.WriteString(body + "\n")
		}
	}
	return []byte(b.String())
}

// TestLivingMarkdown checks that livingMarkdown parses back into
// livingDoc's sections and items.
func TestLivingMarkdown(t *testing.T) {
	want := livingDoc()
	got, err := source.Parse(livingMarkdown(), content.FormatMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) > 0 {
		t.Errorf("warnings: %v", got.Warnings)
	}
	if got.Title != want.Title || len(got.Sections) != len(want.Sections) {
		t.Fatalf("got title %q and %d sections, want %q and %d", got.Title, len(got.Sections), want.Title, len(want.Sections))
	}
	for i, s := range want.Sections {
		for j := range s.Items {
			it := &s.Items[j]
			it.Body = strings.TrimSpace(strings.ReplaceAll(it.Body, "## ", "#### "))
			it.Category = s.Category
		}
		if !reflect.DeepEqual(got.Sections[i], s) {
			t.Errorf("section %d:\ngot  %+v\nwant %+v", i, got.Sections[i], s)
		}
	}
}

// BenchmarkPreviewPath does, in process, what Engine.Preview does for an
// inline Markdown document (generate.go: resolve, assemble, validate) with
// the default assembler and validator and no publishers: parse
// BenchmarkAssemble's document from Markdown, assemble it into every
// channel, and check document and bundle.
func BenchmarkPreviewPath(b *testing.B) {
	md := string(livingMarkdown())
	a := content.NewAssembler()
	v := &content.DefaultValidator{Now: func() time.Time { return fixedNow }}
	ctx := context.Background()
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	for b.Loop() {
		// resolve
		var channels []content.Channel
		for _, s := range content.Channels() {
			c, err := content.ParseChannel(string(s))
			if err != nil {
				b.Fatal(err)
			}
			channels = append(channels, c)
		}
		doc, err := source.Parse([]byte(md), content.FormatMarkdown)
		if err != nil {
			b.Fatal(err)
		}
		ref := "inline:" + doc.ContentHash()
		if doc.Hash == "" {
			doc.Seal()
		}
		// assemble
		bundle, err := a.Assemble(ctx, doc, content.Options{Channels: channels, Now: fixedNow})
		if err != nil {
			b.Fatal(err)
		}
		bundle.Source = ref
		// validate
		if rep := content.Check(ctx, v, doc, bundle); rep == nil {
			b.Fatal("no report")
		}
	}
}
