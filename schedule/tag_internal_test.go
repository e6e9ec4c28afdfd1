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
	re := regexp.MustCompile(`\A[0-9A-Za-z_\-]{0,200}[0-9A-Za-z_]\z`)
	cases := []string{"", "a", "-", "_", "a-", "-a", "job_01HXYZ", "a b", "a\n", "é", "a.b",
		strings.Repeat("x", 200), strings.Repeat("x", 201), strings.Repeat("x", 202), strings.Repeat("x", 200) + "-"}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, "id"+string(c), string(c))
	}
	for _, id := range cases {
		assert.Equal(t, re.MatchString(id), tagSafe(id), "%q", id)
	}
}
