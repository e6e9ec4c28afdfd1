package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
)

func TestParseReviewers(t *testing.T) {
	dir, err := parseReviewers(" ada : editor + marketing , lee:legal+legal, ", approval.DefaultPolicy())
	require.NoError(t, err)
	assert.Equal(t, approval.StaticDirectory{"ada": {"editor", "marketing"}, "lee": {"legal"}}, dir)

	for in, want := range map[string]string{
		"ada:editr":            `role "editr"`,
		"ada:editor+":          `role ""`,
		"ada:":                 "want name:role",
		":editor":              "want name:role",
		"ada":                  "want name:role",
		"ada:editor,ada:legal": `"ada": listed twice`,
	} {
		_, err := parseReviewers(in, approval.DefaultPolicy())
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}

	// A custom policy's roles, and only those.
	custom := approval.DefaultPolicy()
	custom.Levels[0].Stages[0].Roles = []string{"copy-desk"}
	_, err = parseReviewers("ada:copy-desk", custom)
	require.NoError(t, err)
}

// FuzzParseReviewers: --reviewers either gives reviewers whose names and
// roles are trimmed, non-empty and the policy's, or fails.
func FuzzParseReviewers(f *testing.F) {
	for _, s := range []string{"ada:editor+marketing,lee:legal", " mona : manager ", "a:b", "a:editor,a:legal", "a:editor++legal", ",,:", "é:editor"} {
		f.Add(s)
	}
	policy := approval.DefaultPolicy()
	roles := []string{"editor", "marketing", "manager", "legal", "executive"}
	f.Fuzz(func(t *testing.T, s string) {
		dir, err := parseReviewers(s, policy)
		if err != nil {
			return
		}
		static, ok := dir.(approval.StaticDirectory)
		require.True(t, ok)
		for name, rs := range static {
			require.NotEmpty(t, name)
			require.Equal(t, strings.TrimSpace(name), name)
			require.NotContains(t, name, ",")
			require.NotEmpty(t, rs)
			for _, r := range rs {
				require.Contains(t, roles, r)
			}
			require.Equal(t, len(rs), len(slices.Compact(slices.Sorted(slices.Values(rs)))), "roles without repeats: %v", rs)
		}
	})
}

// FuzzServeConfigFile: any bytes as the --config file either fail with a
// message that shows no secret value, or give a configuration whose every
// value passes its setting's check.
func FuzzServeConfigFile(f *testing.F) {
	f.Add([]byte(`{"addr":"127.0.0.1:9000","dry_run":true,"body-limit":4096,"timezone":"Europe/Paris"}`))
	f.Add([]byte(`{"api_keys":"ops:0123456789abcdef0123456789abcdef:admin","log_level":"loud"}`))
	f.Add([]byte(`{"crm_api_key":"sk-live-0123456789","body_limit":12}`))
	f.Add([]byte(`{"unknown":1}`))
	f.Add([]byte(`{"addr":["x"]}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"timezone":"../../etc/passwd"}`))
	settings := serveSettings()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "halcytone.json")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		cfg, err := loadServeConfig([]string{"--config", path}, func(string) string { return "" }, nil)
		if err != nil {
			var m map[string]any
			if json.Unmarshal(data, &m) != nil {
				return
			}
			for _, s := range settings {
				v, ok := m[strings.ReplaceAll(s.name, "-", "_")].(string)
				if !ok {
					v, ok = m[s.name].(string)
				}
				if s.secret && ok && len(v) >= 8 && !strings.Contains(path, v) {
					require.NotContains(t, err.Error(), v, "the error shows the secret %s", s.name)
				}
			}
			return
		}
		for _, s := range settings {
			v := cfg[s.name]
			if s.check != nil && v != "" {
				require.NoError(t, s.check(v), "%s = %q", s.name, v)
			}
		}
	})
}

// FuzzParseRecipients: the recipients of --smtp-recipients parse
// into addresses with an "@", or fail.
func FuzzParseRecipients(f *testing.F) {
	for _, s := range []string{"a@example.com, Ada <ada@example.com>", "", "  ", "<>", "\"Q\" <q@x>", "a@b,", "=?utf-8?q?Caf=C3=A9?= <c@x.io>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := parseRecipients(s)
		if err != nil {
			return
		}
		for _, r := range list {
			require.Contains(t, r.Email, "@", "%q", s)
		}
	})
}
