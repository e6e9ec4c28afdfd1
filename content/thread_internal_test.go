package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestThreadKeepsAURLWhole: in text without spaces (Japanese), a URL is
// never cut across two parts of an X thread, wherever the cut falls.
func TestThreadKeepsAURLWhole(t *testing.T) {
	url := "https://halcytone.app/blog/evening-mode-release-notes"
	for _, pre := range []string{"詳細：", "詳細は"} {
		for n := 100; n <= 140; n++ {
			text := strings.Repeat("呼", n) + pre + url + strings.Repeat("吸", 60)
			parts := splitThread(PlatformTwitter, text, 280)
			found := false
			for _, p := range parts {
				require.LessOrEqual(t, Length(PlatformTwitter, p), 280, "%q", p)
				found = found || strings.Contains(p, url)
			}
			require.True(t, found, "prefix %q, %d characters before: the URL was cut: %q", pre, n, parts)
		}
	}
}
