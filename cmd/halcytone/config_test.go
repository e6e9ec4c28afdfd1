package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noEnv(string) string { return "" }

// TestServeBooleanFlags: a boolean setting may be given bare, as README
// writes --dry-run, or with =true and =false.
func TestServeBooleanFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "false"},
		{[]string{"--dry-run"}, "true"},
		{[]string{"--dry-run=true"}, "true"},
		{[]string{"--dry-run=false"}, "false"},
		{[]string{"--dry-run", "--addr", "127.0.0.1:0"}, "true"},
	} {
		cfg, err := loadServeConfig(tc.args, noEnv, nil)
		require.NoError(t, err, "%q", tc.args)
		assert.Equal(t, tc.want, cfg["dry-run"], "%q", tc.args)
	}
	cfg, err := loadServeConfig([]string{"--webhook-allow-private"}, noEnv, nil)
	require.NoError(t, err)
	assert.Equal(t, "true", cfg["webhook-allow-private"])
	_, err = loadServeConfig([]string{"--dry-run=maybe"}, noEnv, nil)
	require.ErrorContains(t, err, `--dry-run: invalid value "maybe"`)
}

// TestServeRefusesEmptyAndNonPositiveValues: a setting with a default
// given as empty, and a schedule interval that is not positive, fail fast
// naming the key, before anything starts.
func TestServeRefusesEmptyAndNonPositiveValues(t *testing.T) {
	for _, args := range [][]string{
		{"--workers="}, {"--schedule-interval="}, {"--cache-ttl="}, {"--body-limit="}, {"--database-url="},
		{"--schedule-interval=0s"}, {"--schedule-interval=-1s"},
	} {
		name, _, _ := strings.Cut(args[0], "=")
		_, err := loadServeConfig(args, noEnv, nil)
		require.Error(t, err, "%q", args)
		assert.Contains(t, err.Error(), name+": invalid value", "%q", args)
	}
	// An empty environment variable is unset, as documented.
	cfg, err := loadServeConfig(nil, func(k string) string { return map[string]string{"HALCYTONE_WORKERS": ""}[k] }, []string{"HALCYTONE_WORKERS="})
	require.NoError(t, err)
	assert.Equal(t, "100", cfg["workers"])
}

// TestServeKeepsTheFirstKeyWhenThePortIsTaken: a first start that cannot
// listen stores no admin key, so the next start prints one.
func TestServeKeepsTheFirstKeyWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "first.db")
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"serve", "--addr", ln.Addr().String(), "--database-url", db, "--log-level", "warn"}, noEnv, &out, &errOut)
	require.NotEqual(t, 0, code)
	assert.Contains(t, errOut.String(), "addr")

	out.Reset()
	errOut.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"keys", "list", "--database-url", db}, noEnv, &out, &errOut), errOut.String())
	assert.NotContains(t, out.String(), "admin", "no key was stored by the start that failed: %s", out.String())
}
