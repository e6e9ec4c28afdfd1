package source_test

import (
	"testing"

	"github.com/halcytone/halcytone/source"
)

// BenchmarkParseMarkdown parses the built-in sample living document.
func BenchmarkParseMarkdown(b *testing.B) {
	data := source.Sample()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := source.ParseMarkdown(data); err != nil {
			b.Fatal(err)
		}
	}
}
