package source

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIsGoogleDocIDMatchesTheRegexp checks isGoogleDocID against the
// regular expression it replaced.
func TestIsGoogleDocIDMatchesTheRegexp(t *testing.T) {
	cases := []string{"", "a", "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", "a-b_c", "-", "_",
		"a b", "a/b", "a\n", "\na", "é", "a.b", "a%2F", strings.Repeat("x", 255), strings.Repeat("x", 256),
		strings.Repeat("x", 257), strings.Repeat("x", 256) + "\n", "ａ"}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, "id"+string(c))
	}
	for _, id := range cases {
		assert.Equal(t, googleDocIDRE.MatchString(id), isGoogleDocID(id), "%q", id)
	}
}

// googleDocIDRE is the regular expression isGoogleDocID replaced.
var googleDocIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// FuzzIsGoogleDocID compares isGoogleDocID with the regular expression it
// replaced; the seed corpus is in testdata/fuzz/FuzzIsGoogleDocID.
func FuzzIsGoogleDocID(f *testing.F) {
	f.Add("1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms")
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := isGoogleDocID(id), googleDocIDRE.MatchString(id); got != want {
			t.Errorf("isGoogleDocID(%q) = %v, the regexp says %v", id, got, want)
		}
	})
}
