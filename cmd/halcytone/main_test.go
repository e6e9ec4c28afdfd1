package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
)

// runCmd runs the command line with the given environment and returns the
// exit status and what was printed.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestGenerateSampleText(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "generate", "sample:")
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{"== Newsletter", "Subject: ", "== Web post", "== twitter", "== linkedin", "== facebook", "== instagram", "== Validation"} {
		assert.Contains(t, out, want)
	}
}

func TestGenerateJSON(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "generate", "--format", "json", "--channels", "email,social_twitter", "--template", "classic", "--tone", "encouraging", "sample:")
	require.Equal(t, 0, code, errOut)
	var got struct {
		Bundle content.Bundle `json:"bundle"`
		Report content.Report `json:"validation"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	b := got.Bundle
	assert.Equal(t, content.TemplateModern, b.Template, "classic is modern")
	assert.Equal(t, content.ToneEncouraging, b.Tone)
	require.NotNil(t, b.Newsletter)
	assert.Nil(t, b.WebPost, "website was not asked for")
	require.Len(t, b.Social, 1)
	assert.Equal(t, content.PlatformTwitter, b.Social[0].Platform)
	assert.Greater(t, len(b.Social[0].Thread), 1, "the sample is long enough for a thread")
	for _, part := range b.Social[0].Thread {
		assert.LessOrEqual(t, content.WeightedLength(part), 280)
	}
	assert.NotEmpty(t, b.Hash)
}

func TestGenerateHTML(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "generate", "--format", "html", "--template", "breathscape", "sample:")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(strings.ToLower(out)), "<!doctype html"), out[:min(80, len(out))])
	assert.Contains(t, out, content.MergeUnsubscribeURL)
}

func TestGenerateFileAndBarePath(t *testing.T) {
	dir := t.TempDir()
	doc := "# Team news\n\n## [Hardware] Devices\n\n### A new sensor\n- **Date:** 2026-11-20\n- **Content:** Pulse measures heart rate variability beat to beat and streams it to the app.\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "news.md"), []byte(doc), 0o644))
	for _, ref := range []string{"file:news.md", "news.md"} {
		code, out, errOut := runCmd(t, map[string]string{"HALCYTONE_CONTENT_DIR": dir}, "generate", "--format", "json", ref)
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "A new sensor", ref)
	}
	code, _, errOut := runCmd(t, nil, "generate", "--content-dir", dir, "file:../etc/passwd")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "invalid_content")
}

func TestGenerateNotionFromEnvironment(t *testing.T) {
	n := mock.StartNotion(t, "secret-token")
	db := n.AddDatabase("", "Team news")
	n.AddPage(db, mock.NotionPage{Title: "Offline sessions", Content: "Every guided session can now be saved for offline use on a flight.", Category: "App"})
	env := map[string]string{"HALCYTONE_NOTION_TOKEN": "secret-token", "HALCYTONE_NOTION_URL": n.URL()}
	code, out, errOut := runCmd(t, env, "generate", "--format", "json", "notion:"+db)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Offline sessions")

	code, _, errOut = runCmd(t, nil, "generate", "notion:"+db)
	assert.Equal(t, 1, code, "no token: no notion source")
	assert.Contains(t, errOut, "notion")
}

func TestGenerateRefusesLoopbackURL(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "generate", "https://127.0.0.1:8443/doc.md")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "refused")
}

func TestGenerateStrict(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.md"), []byte("# T\n\n## News\n\n### We cure everything\n\nOur miracle app will cure stress, guaranteed.\n"), 0o644))
	code, out, _ := runCmd(t, nil, "generate", "--content-dir", dir, "bad.md")
	assert.Equal(t, 0, code, "issues are printed, not fatal")
	assert.Contains(t, out, content.CodeProhibitedClaim)
	code, _, errOut := runCmd(t, nil, "generate", "--strict", "--content-dir", dir, "bad.md")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "validation failed")
}

func TestMainUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"generate"}, 2, "want a source reference or a folder"},
		{[]string{"generate", "--no-such-flag", "sample:"}, 2, "flag provided but not defined"},
		{[]string{"generate", "--format", "xml", "sample:"}, 2, `--format "xml"`},
		{[]string{"generate", "--channels", "fax", "sample:"}, 2, `channel "fax"`},
		{[]string{"generate", "--template", "fancy", "sample:"}, 2, `template "fancy"`},
		{[]string{"generate", "--tone", "shouty", "sample:"}, 2, `tone "shouty"`},
		{[]string{"generate", "--channel-tones", "twitter", "sample:"}, 2, "not channel=tone"},
		{[]string{"generate", "--allow-net", "nope", "sample:"}, 2, `--allow-net "nope"`},
		{[]string{"generate", "ftp:doc"}, 1, "ftp"},
	} {
		code, _, errOut := runCmd(t, nil, tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.want, tc.args)
	}
	code, out, _ := runCmd(t, nil, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "generate")
	code, _, errOut := runCmd(t, nil, "help", "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `no help for "frobnicate"`)
}

func TestGenerateGoogleDocsFromEnvironment(t *testing.T) {
	auth := mock.StartOAuth(t)
	key, err := auth.ServiceAccountKey("halcytone@example.iam.gserviceaccount.com")
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(keyFile, key, 0o600))

	docs := mock.StartGoogleDocs(t, auth.Valid)
	docs.AddDocument("doc-1", "Team news",
		mock.DocHeading(0, "Team news"),
		mock.DocHeading(2, "[Hardware] Devices"),
		mock.DocHeading(3, "Meet the Pulse sensor"),
		mock.DocText(mock.DocRun{Text: "Pulse measures heart rate variability beat to beat and streams it to the app."}),
	)
	env := map[string]string{"HALCYTONE_GOOGLE_CREDENTIALS": keyFile, "HALCYTONE_GOOGLE_DOCS_URL": docs.URL()}
	code, out, errOut := runCmd(t, env, "generate", "--format", "json", "gdocs:doc-1")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Meet the Pulse sensor")
}

// TestMockNotionDocumentGenerates: the Notion document `halcytone mock`
// advertises is one the Notion source reads.
func TestMockNotionDocumentGenerates(t *testing.T) {
	m, err := startMocks()
	require.NoError(t, err)
	t.Cleanup(m.close)
	env := map[string]string{}
	for _, kv := range m.env() {
		env[kv[0]] = kv[1]
	}
	code, out, errOut := runCmd(t, env, "generate", "--format", "json", "notion:"+m.notionDB)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Breathing sessions are back")
}
