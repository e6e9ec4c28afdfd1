package schedule

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTagSafeMatchesTheRegexp checks tagSafe against the regular
// expression it replaced.
func TestTagSafeMatchesTheRegexp(t *testing.T) {
	cases := []string{"", "a", "-", "_", "a-", "-a", "job_01HXYZ", "a b", "a\n", "é", "a.b",
		strings.Repeat("x", 200), strings.Repeat("x", 201), strings.Repeat("x", 202), strings.Repeat("x", 200) + "-"}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, "id"+string(c), string(c))
	}
	for _, id := range cases {
		assert.Equal(t, tagSafeRE.MatchString(id), tagSafe(id), "%q", id)
	}
}

// tagSafeRE is the regular expression tagSafe replaced.
var tagSafeRE = regexp.MustCompile(`\A[0-9A-Za-z_\-]{0,200}[0-9A-Za-z_]\z`)

// FuzzTagSafe compares tagSafe with the regular expression it replaced;
// the seed corpus is in testdata/fuzz/FuzzTagSafe.
func FuzzTagSafe(f *testing.F) {
	f.Add("job_01HXYZ")
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := tagSafe(id), tagSafeRE.MatchString(id); got != want {
			t.Errorf("tagSafe(%q) = %v, the regexp says %v", id, got, want)
		}
	})
}
