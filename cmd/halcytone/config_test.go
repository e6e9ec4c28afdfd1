package main

import (
	"context"
	"io"
	"net"
	"os"
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

// TestKeysAndMigrateUseServesDatabase: without --database-url, keys and
// migrate use the database serve would, its config file's included.
func TestKeysAndMigrateUseServesDatabase(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "c.json")
	db := filepath.Join(dir, "srv.db")
	require.NoError(t, os.WriteFile(conf, []byte(`{"database_url": "sqlite:`+db+`"}`), 0o600))
	env := func(k string) string { return map[string]string{"HALCYTONE_CONFIG": conf}[k] }
	t.Chdir(dir)

	var out, errOut strings.Builder
	require.Equal(t, 0, run(context.Background(), []string{"keys", "create", "--name", "me", "--scopes", "admin"}, env, &out, &errOut), errOut.String())
	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"keys", "list", "--database-url", "sqlite:" + db}, noEnv, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "me", "the key is in the config file's database")
	assert.NoFileExists(t, filepath.Join(dir, "halcytone.db"), "not in the default one")

	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"migrate", "--config", conf}, noEnv, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), db)
}

// TestKeysAndMigrateRefuseMisuseBeforeOpening: a wrong subcommand or
// argument exits 2 and creates no database.
func TestKeysAndMigrateRefuseMisuseBeforeOpening(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"keys", "frob"}, {"keys", "create"}, {"keys", "create", "--name", "a", "extra"},
		{"keys", "list", "extra"}, {"keys", "revoke"}, {"migrate", "extra"},
	} {
		var out, errOut strings.Builder
		assert.Equal(t, 2, run(context.Background(), args, noEnv, &out, &errOut), "%q", args)
		assert.NoFileExists(t, "halcytone.db", "%q", args)
	}
}

// TestServeChecksPathsPrefixesAndDuplicateKeys: a missing content
// directory, a malformed URL allow-list and one setting spelled twice in
// the config file fail fast, naming where the value came from.
func TestServeChecksPathsPrefixesAndDuplicateKeys(t *testing.T) {
	_, err := loadServeConfig([]string{"--content-dir", filepath.Join(t.TempDir(), "missing")}, noEnv, nil)
	require.ErrorContains(t, err, "--content-dir: invalid value")
	_, err = loadServeConfig([]string{"--url-allow", "nope"}, noEnv, nil)
	require.ErrorContains(t, err, "--url-allow: invalid value")
	_, err = loadServeConfig(nil, func(k string) string { return map[string]string{"HALCYTONE_URL_ALLOW": "10.0.0.0/33"}[k] }, nil)
	require.ErrorContains(t, err, "HALCYTONE_URL_ALLOW: invalid value")
	cfg, err := loadServeConfig([]string{"--url-allow", "10.0.0.0/8, fd00::/8"}, noEnv, nil)
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/8, fd00::/8", cfg["url-allow"])

	conf := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, os.WriteFile(conf, []byte(`{"log_level": "warn", "log-level": "error"}`), 0o600))
	_, err = loadServeConfig([]string{"--config", conf}, noEnv, nil)
	require.ErrorContains(t, err, `keys "log-level" and "log_level" are the same setting`)
}

// TestServeRefusesPartialCredentials: a credential without the settings
// it needs stops serve at start, naming the missing key, instead of
// leaving its channel silently in dry run or half configured.
func TestServeRefusesPartialCredentials(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--platform-url", "https://p.example", "--platform-token", "t", "--cdn-zone", "z", "--cdn-token", "c"}, "cdn-url: required with cdn-zone"},
		{[]string{"--smtp-host", "mail.example", "--smtp-recipients", "a@example.com", "--smtp-username", "u"}, "smtp-password: required with smtp-username"},
		{[]string{"--crm-api-key", "k"}, "crm-url: required with crm-api-key"},
		{[]string{"--graph-token", "g"}, "facebook-page-id or instagram-user-id: required with graph-token"},
		{[]string{"--facebook-page-id", "1"}, "graph-token: required with facebook-page-id"},
		{[]string{"--linkedin-author", "urn:li:organization:1"}, "linkedin-token: required with linkedin-author"},
		{[]string{"--notion-url", "http://127.0.0.1:1"}, "notion-token: required with notion-url"},
	} {
		cfg, err := loadServeConfig(append([]string{"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "c.db")}, tc.args...), noEnv, nil)
		require.NoError(t, err)
		_, err = newApp(context.Background(), cfg, io.Discard)
		require.Error(t, err, "%q", tc.args)
		assert.Contains(t, err.Error(), tc.want)
	}
}
