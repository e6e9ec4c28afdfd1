package content_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestWeightedLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "Hello, world", 12},
		{"ascii 280", strings.Repeat("a", 280), 280},
		{"ascii 281", strings.Repeat("a", 281), 281},
		{"latin-1 and general punctuation are light", "café – “quoted” ′", 17},
		{"ellipsis is outside the light ranges", "…", 2},
		{"CJK counts double", "你好世界", 8},
		{"Japanese kana counts double", "こんにちは", 10},
		{"https URL counts 23", "https://example.com/a/very/long/path/that/goes/on?and=on#frag", 23},
		{"http URL counts 23", "http://x.co", 23},
		{"a scheme in capitals is a scheme", "see HTTPS://Example.ORG/Path and Http://x.co.", 4 + 23 + 5 + 23 + 1},
		{"a word that only starts like a scheme", "httpd hyper https:/x", 20},
		{"short URL still counts 23", "https://t.co", 23},
		{"URL in a sentence", "Read https://halcytone.app/blog/x now", 5 + 23 + 4},
		{"trailing punctuation is not part of the URL", "See https://example.com/x.", 4 + 23 + 1},
		{"URL in parentheses", "(https://example.com/x)", 1 + 23 + 1},
		{"bare domain with a known TLD", "halcytone.app", 23},
		{"bare domain with a path", "visit example.com/blog today", 6 + 23 + 6},
		{"subdomain", "www.example.org", 23},
		{"unknown TLD is text", "file.txt", 8},
		{"version number is text", "v1.2.3", 6},
		{"e-mail address is text", "me@example.com", 14},
		{"two URLs", "https://a.com https://b.com", 23 + 1 + 23},
		// twitter-text's conformance case: a URL with a scheme right
		// after CJK is a URL.
		{"URL after CJK", "いまなにしてるhttp://example.comいまなにしてる", 14 + 23 + 14},
		{"URL after an accented letter", "éhttps://example.com", 1 + 23},
		{"URL after an ASCII letter is text", "xhttps://example.com", 20},
		{"URL after a directional mark is text", "\u202Ahttps://x.co", 2 + 12},
		{"bare domain after CJK is text", "いまexample.com", 4 + 11},
		{"a path ends before CJK", "https://x.co/aいま", 23 + 4},
		{"a path takes accented Latin and Cyrillic", "https://x.co/café-привет now", 23 + 4},
		{"bare domain after a hyphen is text", "-example.com", 12},
		{"emoji", "👍", 2},
		{"emoji with skin tone", "👍🏽", 2},
		{"ZWJ family", "👨‍👩‍👧‍👦", 2},
		{"flag", "🇫🇷", 2},
		{"keycap", "1️⃣", 2},
		{"keycap without selector", "#⃣", 2},
		{"text symbol as emoji", "©️", 2},
		{"text symbol alone", "©", 1},
		{"heart with selector", "❤️", 2},
		{"emoji between words", "I ❤️ it", 7},
		{"lone regional indicator", "🇫", 2},
		{"NFC composes e + acute", "e\u0301", 1},
		{"NFC composes Hangul jamo", "\u1112\u1161\u11AB", 2},
		{"mixed", "Breathe 🌬️ in: https://example.com 你", 8 + 2 + 5 + 23 + 1 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, content.WeightedLength(tt.text))
		})
	}
}

func TestLengthByPlatform(t *testing.T) {
	text := "你好 https://example.com/long/path"
	assert.Equal(t, 4+1+23, content.Length(content.PlatformTwitter, text))
	assert.Equal(t, utf8.RuneCountInString(text), content.Length(content.PlatformLinkedIn, text))
}

func FuzzWeightedLength(f *testing.F) {
	for _, s := range []string{"", "hello", strings.Repeat("a", 281), "你好", "https://example.com/x.", "halcytone.app", "👨‍👩‍👧‍👦🇫🇷1️⃣", "e\u0301", "\xff\xfe", "a.b.c.d", "http://", "#⃣*️⃣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := content.WeightedLength(s)
		if n < 0 {
			t.Fatalf("WeightedLength(%q) = %d < 0", s, n)
		}
		if isASCII(s) && !strings.Contains(s, ".") && n != len(s) {
			// Without a dot there is no URL, and ASCII holds no emoji.
			t.Fatalf("WeightedLength(%q) = %d, want len %d", s, n, len(s))
		}
		if !strings.Contains(s, ".") && n > 2*utf8.RuneCountInString(s) {
			t.Fatalf("WeightedLength(%q) = %d, more than twice its %d code points", s, n, utf8.RuneCountInString(s))
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// TestValidatorCountsAURLAfterCJK: an X post of 129 kana and a URL is
// 281 by twitter-text (the URL counts 23), over X's limit.
func TestValidatorCountsAURLAfterCJK(t *testing.T) {
	text := strings.Repeat("あ", 129) + "http://x.co"
	require.Equal(t, 281, content.WeightedLength(text))
	b := &content.Bundle{ContentType: content.TypeUpdate, Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: text, Thread: []string{text}, Limit: 280}}}
	rep := content.NewValidator().ValidateBundle(context.Background(), b)
	var codes []string
	for _, i := range rep.Issues {
		codes = append(codes, i.Field+" "+i.Code)
	}
	assert.Contains(t, codes, "social_posts[0].text "+content.CodeTooLong, "%v", codes)
}
