package approval_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/halcytone/halcytone/approval"
)

func TestLoadPolicyDefaultFiles(t *testing.T) {
	for _, name := range []string{"default_policy.json", "default_policy.yaml"} {
		t.Run(name, func(t *testing.T) {
			p, err := approval.LoadPolicy(filepath.Join("testdata", name))
			require.NoError(t, err)
			assert.Equal(t, approval.DefaultPolicy(), p)
		})
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	p, err := approval.LoadPolicy(filepath.Join("testdata", "two_of_three.yaml"))
	require.NoError(t, err)
	for _, want := range []approval.Policy{approval.DefaultPolicy(), p} {
		js, err := json.Marshal(want)
		require.NoError(t, err)
		got, err := approval.ParsePolicy(js, "json")
		require.NoError(t, err)
		assert.Equal(t, want, got, "json")

		ys, err := yaml.Marshal(want)
		require.NoError(t, err)
		got, err = approval.ParsePolicy(ys, "yaml")
		require.NoError(t, err, string(ys))
		assert.Equal(t, want, got, "yaml")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, format, data, want string
	}{
		{"unknown top-level key", "json", `{"default_level":1,"levels":[],"rules":[],"escalate_to":"ceo"}`, `unknown key "escalate_to" in the policy`},
		{"unknown nested key", "yaml", "default_level: 1\nlevels:\n  - level: 1\n    deadline: 4h\n    stages:\n      - {name: a, rolez: [x], required: 1}\n", `unknown key "rolez" in levels[0].stages[0]`},
		{"unknown rule key", "yml", "default_level: 1\nrules:\n  - {name: r, level: 1, typo: true}\n", `unknown key "typo" in rules[0]`},
		{"bad duration", "json", `{"default_level":1,"levels":[{"level":1,"deadline":"soon","stages":[{"name":"a","roles":["x"],"required":1}]}]}`, `duration "soon"`},
		{"numeric duration", "json", `{"default_level":1,"levels":[{"level":1,"deadline":3600,"stages":[{"name":"a","roles":["x"],"required":1}]}]}`, `want a string such as "48h"`},
		{"wrong type", "json", `{"default_level":"two"}`, "default_level"},
		{"not an object", "yaml", "- 1\n- 2\n", "must be an object"},
		{"empty", "yaml", "", "must be an object"},
		{"trailing data", "json", `{"default_level":1} {}`, "data after the policy"},
		{"broken json", "json", `{"default_level":`, "json"},
		{"broken yaml", "yaml", "levels: [", "yaml"},
		{"non-string key", "yaml", "default_level: 1\nlevels:\n  - {1: x}\n", "non-string key in levels[0]"},
		{"unknown format", "toml", `default_level = 1`, `format "toml"`},
		{"invalid content", "json", `{"default_level":3,"levels":[],"rules":[]}`, "default_level 3 is not described"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := approval.ParsePolicy([]byte(tt.data), tt.format)
			require.ErrorIs(t, err, approval.ErrInvalidPolicy)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadPolicyErrors(t *testing.T) {
	_, err := approval.LoadPolicy(filepath.Join("testdata", "unknown_key.yaml"))
	require.ErrorIs(t, err, approval.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `unknown key "rolez" in levels[0].stages[0]`)
	assert.Contains(t, err.Error(), "unknown_key.yaml")

	_, err = approval.LoadPolicy(filepath.Join("testdata", "unknown_key.json"))
	require.ErrorIs(t, err, approval.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `unknown key "escalate_to"`)

	_, err = approval.LoadPolicy(filepath.Join("testdata", "policy.toml"))
	assert.ErrorIs(t, err, approval.ErrInvalidPolicy)

	_, err = approval.LoadPolicy(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	big := filepath.Join(t.TempDir(), "big.json")
	require.NoError(t, os.WriteFile(big, make([]byte, approval.MaxPolicySize+1), 0o600))
	_, err = approval.LoadPolicy(big)
	assert.ErrorIs(t, err, approval.ErrInvalidPolicy)
}
