package main

import (
	"context"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireSections checks that page has these section headings (lines
// that are not indented), in this order.
func requireSections(t *testing.T, page string, sections ...string) {
	t.Helper()
	var headings []string
	for _, l := range strings.Split(page, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			headings = append(headings, l)
		}
	}
	last := -1
	for _, s := range sections {
		i := slices.Index(headings, s)
		require.Greater(t, i, last, "section %s missing or out of order in %q:\n%s", s, headings, page)
		last = i
	}
}

func TestHelpMainPage(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help", "help"} {
		code, out, errOut := runCmd(t, nil, arg)
		require.Equal(t, 0, code, errOut)
		assert.Empty(t, errOut)
		requireSections(t, out, "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXAMPLES", "ENVIRONMENT", "EXIT STATUS", "SEE ALSO")
		for _, c := range commands() {
			assert.Regexp(t, `(?m)^    `+c.name+` +`+regexpQuote(c.summary)+`$`, out, c.name)
		}
	}
	// No arguments: the short usage, on standard error, status 2.
	code, out, errOut := runCmd(t, nil)
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `Run "halcytone --help" for the manual`)
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`(`, `\(`, `)`, `\)`, `.`, `\.`, `+`, `\+`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`, `|`, `\|`, `^`, `\^`, `$`, `\$`, `{`, `\{`, `}`, `\}`)
	return r.Replace(s)
}

func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			code, out, errOut := runCmd(t, nil, args...)
			require.Equal(t, 0, code, "%v: %s", args, errOut)
			requireSections(t, out, "NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "SEE ALSO")
			assert.Contains(t, out, "halcytone "+c.name+" - "+c.summary, args)
			examples := out[strings.Index(out, "\nEXAMPLES\n"):]
			assert.Contains(t, examples, "halcytone "+c.name, "%v: an example runs the command", args)
			if _, ok := helpPages()[c.name]; ok && c.name != "mock" {
				assert.Contains(t, out, "\nFLAGS\n", args)
			}
		}
	}
}

func TestHelpServeListsEverySetting(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "serve", "-h")
	require.Equal(t, 0, code, errOut)
	for _, s := range serveSettings() {
		assert.Contains(t, out, "--"+s.name+"\n", s.name)
		assert.Contains(t, out, s.env(), s.name)
		assert.Contains(t, out, `key "`+s.configKey()+`"`, s.name)
	}
	assert.Contains(t, out, "--config FILE")
	assert.Contains(t, out, "env HALCYTONE_API_KEYS, key \"api_keys\", secret")
	for _, g := range groupSettings(serveSettings()) {
		assert.Contains(t, out, "    "+g.group.title+":\n")
	}
}

func TestHelpGenerateListsEveryFlag(t *testing.T) {
	code, out, errOut := runCmd(t, map[string]string{"HALCYTONE_CONTENT_DIR": "/srv/content"}, "generate", "-h")
	require.Equal(t, 0, code, errOut)
	var f generateFlags
	n := 0
	newGenerateFlagSet(&f, func(string) string { return "" }).VisitAll(func(fl *flag.Flag) {
		n++
		assert.Contains(t, out, "    --"+fl.Name, fl.Name)
	})
	assert.Greater(t, n, 15)
	assert.Contains(t, out, `(default "/srv/content")`, "defaults from the environment")
	for _, want := range []string{"--out DIR", "--plan", "webpost.html", "plan.json", "[3/12]"} {
		assert.Contains(t, out, want)
	}
}

func TestHelpFlagAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "--format", "json", "-h"},
		{"generate", "sample:", "--help"},
		{"keys", "create", "-h"},
		{"serve", "--addr", ":0", "-h"},
		{"migrate", "-help"},
	} {
		code, out, errOut := runCmd(t, nil, args...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
		assert.True(t, strings.HasPrefix(out, "NAME\n    halcytone "+args[0]+" - "), args)
	}
	assert.False(t, wantsHelp("generate", []string{"--", "-h"}), "after --, -h is an argument")
	assert.False(t, wantsHelp("generate", []string{"sample:"}))
	assert.True(t, wantsHelp("unknown", []string{"-h"}), "a help flag first always asks for the page")
	assert.False(t, wantsHelp("unknown", []string{"run", "-h"}), "a subcommand's -h is the command's own")
}

func TestHelpFallbackPage(t *testing.T) {
	c := command{name: "frob", summary: "frobnicate things", run: func(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
		_, err := stdout.Write([]byte("Usage: halcytone frob [--hard]\n"))
		return err
	}}
	page := commandHelp(t.Context(), c, func(string) string { return "" })
	requireSections(t, page, "NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "SEE ALSO")
	assert.Contains(t, page, "halcytone frob - frobnicate things")
	assert.Contains(t, page, "    Usage: halcytone frob [--hard]\n")
	assert.Contains(t, page, "        halcytone frob -h\n")
}
