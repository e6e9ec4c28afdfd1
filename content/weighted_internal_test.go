package content

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

// weightedLengthByRune is WeightedLength without its ASCII fast path:
// every position goes through weightAt.
func weightedLengthByRune(text string) int {
	s := norm.NFC.String(text)
	w := 0
	for i := 0; i < len(s); {
		var dw int
		dw, i = weightAt(s, i)
		w += dw
	}
	return w / xScale
}

// FuzzWeightedLengthFastPath checks that the ASCII fast path changes no
// length.
func FuzzWeightedLengthFastPath(f *testing.F) {
	for _, s := range []string{"", "hello world", "see https://example.com/x.", "go to halcytone.app, now", "a@b.com", "#1️⃣ *⃣", "x.co/a", "いまhttps://example.com", "$ab.io #tag", "e\u0301 ok.com", "1.2.3 a.b.c.d", "\xff.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := WeightedLength(s), weightedLengthByRune(s); got != want {
			t.Fatalf("WeightedLength(%q) = %d, without the fast path %d", s, got, want)
		}
	})
}

// BenchmarkWeightedLengthFastPath compares WeightedLength with and without its
// ASCII fast path on an English post with a hashtag and a URL.
func BenchmarkWeightedLengthFastPath(b *testing.B) {
	post := "Breathe in for four counts, hold for seven and out for eight: the 4-7-8 pattern calms a racing mind before sleep. " +
		"Try three rounds tonight and tell us how it went. #breathing #sleep https://halcytone.app/blog/4-7-8?utm_source=x"
	for _, c := range []struct {
		name string
		fn   func(string) int
	}{{"fast-path", WeightedLength}, {"by-rune", weightedLengthByRune}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.fn(post)
			}
		})
	}
}
