//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodeMappingsKeepsOnlyTheExecutablesReadOnlyPages(t *testing.T) {
	const exe = "/opt/hal cytone/bin"
	smaps := `00400000-00c00000 r-xp 00000000 08:01 1234 /opt/hal cytone/bin
Size:               8192 kB
Rss:                7000 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me dw
00c00000-01400000 r--p 00800000 08:01 1234 /opt/hal cytone/bin
Size:               8192 kB
Anonymous:            12 kB
01400000-01500000 rw-p 01000000 08:01 1234 /opt/hal cytone/bin
Anonymous:             0 kB
01500000-01600000 r-xs 01100000 08:01 1234 /opt/hal cytone/bin
Anonymous:             0 kB
7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /usr/lib/libc.so.6
Anonymous:             0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0
Anonymous:          1024 kB
7f0000400000-7f0000500000 r--p 00000000 08:01 1234 /opt/hal cytone/bin
Rss:                  40 kB
`
	got := codeMappings([]byte(smaps), exe)
	assert.Equal(t, []codeMapping{
		{start: 0x400000, end: 0xc00000, anonymous: 0},
		{start: 0xc00000, end: 0x1400000, anonymous: 12},
		{start: 0x7f0000400000, end: 0x7f0000500000, anonymous: -1},
	}, got, "private read-only mappings of the executable only; a mapping without an Anonymous line counts as holding some")
	assert.Empty(t, codeMappings([]byte("garbage\n\n-\nzz-yy r-xp 0 0 0 /opt/hal cytone/bin\n"), exe))
}

// rssFileKB reads this process's resident file-backed memory.
func rssFileKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("RssFile:")); ok {
			kb, err := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))))
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestTrimCodePagesOnThisProcess trims this test binary's own pages: the
// resident file-backed memory falls, and the code still runs (the pages
// come back from the file as they are read).
func TestTrimCodePagesOnThisProcess(t *testing.T) {
	before := rssFileKB(t)
	n, err := trimCodePages()
	require.NoError(t, err)
	after := rssFileKB(t)
	assert.Positive(t, n, "the executable's mappings were advised")
	assert.Less(t, after, before, "resident file pages dropped (before %d kB, after %d kB)", before, after)

	raw, err := json.Marshal(map[string]any{"still": "running", "n": n})
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"still":"running"`)
}
