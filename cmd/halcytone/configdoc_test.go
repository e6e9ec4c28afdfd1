package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/configuration.md from configurationMarkdown()")

// TestConfigurationDoc keeps docs/configuration.md equal to what
// configurationMarkdown generates from serveSettings.
func TestConfigurationDoc(t *testing.T) {
	path := filepath.Join("..", "..", filepath.FromSlash(configDocPath))
	want := configurationMarkdown()
	if *updateDocs {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err, "run: go test ./cmd/halcytone -run TestConfigurationDoc -update")
	if string(got) != want {
		t.Fatalf("%s is out of date with serveSettings(); run: go test ./cmd/halcytone -run TestConfigurationDoc -update", configDocPath)
	}
}

func TestConfigurationMarkdownCoversEverySetting(t *testing.T) {
	doc := configurationMarkdown()
	lines := strings.Split(doc, "\n")
	for _, s := range serveSettings() {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "| `--"+s.name+"` |") })
		require.GreaterOrEqual(t, i, 0, "no row for --%s", s.name)
		row := lines[i]
		assert.Contains(t, row, "| `"+s.env()+"` |", s.name)
		assert.Contains(t, row, "| `"+strings.ReplaceAll(s.name, "-", "_")+"` |", s.name)
		if s.def != "" {
			assert.Contains(t, row, "| `"+s.def+"` |", s.name)
		} else {
			assert.Contains(t, row, "| — |", s.name)
		}
		assert.Contains(t, row, mdCell(s.usage), s.name)
		assert.Equal(t, s.secret, strings.Contains(row, "**secret**"), s.name)
		assert.Equal(t, 6, strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"), "five cells: %s", row)
	}
	for _, want := range []string{
		"## Precedence", "**flags > environment > config file > default**",
		"## The config file", "`database_url` and `database-url` are the same key",
		"### Server", "### Storage", "### Logging", "### Security",
		"### Credentials: email", "### Credentials: website", "### Credentials: X", "### Credentials: LinkedIn",
		"### Credentials: Facebook and Instagram", "`HALCYTONE_CONFIG`", "HALCYTONE_TEST_",
	} {
		assert.Contains(t, doc, want)
	}
}

func TestConfigurationSettingGroups(t *testing.T) {
	settings := serveSettings()
	n := 0
	for _, g := range groupSettings(settings) {
		assert.NotEmpty(t, g.settings, g.group.title)
		n += len(g.settings)
	}
	assert.Equal(t, len(settings), n, "every setting in exactly one group")
	for _, g := range settingGroups() {
		for _, name := range g.names {
			assert.True(t, slices.ContainsFunc(settings, func(s setting) bool { return s.name == name }), "group %s names unknown setting %s", g.title, name)
		}
	}
	// The config file example only uses real keys, with valid values.
	for _, kv := range configExampleKeys() {
		i := slices.IndexFunc(settings, func(s setting) bool { return s.name == kv[0] })
		require.GreaterOrEqual(t, i, 0, kv[0])
		if check := settings[i].check; check != nil {
			assert.NoError(t, check(strings.Trim(kv[1], `"`)), kv[0])
		}
	}
	other := groupSettings([]setting{{name: "brand-new"}})
	require.Len(t, other, 1)
	assert.Equal(t, "Other", other[0].group.title)
}

func TestConfigurationExampleLoads(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i, kv := range configExampleKeys() {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + strings.ReplaceAll(kv[0], "-", "_") + `":` + kv[1])
	}
	b.WriteString("}")
	file := filepath.Join(t.TempDir(), "halcytone.json")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))
	cfg, err := loadServeConfig([]string{"--config", file}, func(string) string { return "" }, nil)
	require.NoError(t, err)
	assert.Equal(t, "json", cfg["log-format"])
	assert.Equal(t, "true", cfg["dry-run"])
}
