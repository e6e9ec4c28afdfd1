package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

const (
	docMarkdown = "# Team news\n\n## [Hardware] Devices\n\n### A new sensor\n- **Date:** 2026-11-20\n- **Content:** Pulse measures heart rate variability beat to beat and streams it to the app.\n"
	docJSON     = `{"title":"App news","items":[{"title":"Offline sessions","content":"Every guided session can now be saved for offline use on a flight."}]}`
	docText     = "Plain news\n\nBreathing sessions return next week with two new techniques and a longer cool-down.\n"
	docClaim    = "# T\n\n## News\n\n### We cure everything\n\nOur miracle app will cure stress, guaranteed.\n"
)

// contentDir makes a content directory with the folder weekly: three
// good documents (two sharing a base name), one that does not parse, and
// files a batch must skip.
func contentDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"weekly/news.md":      docMarkdown,
		"weekly/news.json":    docJSON,
		"weekly/notes.txt":    docText,
		"weekly/zz.json":      "{not json",
		"weekly/readme.yaml":  "not: a document",
		"weekly/.draft.md":    docMarkdown,
		"weekly/sub/inner.md": docMarkdown,
		"outside.md":          docMarkdown,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func TestGenerateBatchFolderToOut(t *testing.T) {
	dir := contentDir(t)
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "--out", out, "weekly")

	assert.Equal(t, 1, code, "one document does not parse")
	assert.Empty(t, stdout, "--out prints nothing")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Len(t, lines, 6, stderr)
	assert.Equal(t, "[1/4] file:weekly/news.json ok", lines[0])
	assert.Equal(t, "[2/4] file:weekly/news.md ok", lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "[3/4] file:weekly/notes.txt ok"), lines[2])
	assert.True(t, strings.HasPrefix(lines[3], "[4/4] file:weekly/zz.json failed: "), lines[3])
	assert.Contains(t, lines[3], "invalid_content")
	assert.Equal(t, "4 documents: 3 ok, 1 failed; files in "+out, lines[4])
	assert.Equal(t, "halcytone generate: 1 of 4 documents failed", lines[5])

	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"news-json", "news-md", "notes"}, names, "the failed document has no folder")

	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(out, name, "bundle.json"))
		require.NoError(t, err)
		var got documentOutput
		require.NoError(t, json.Unmarshal(raw, &got))
		assert.True(t, strings.HasPrefix(got.Reference, "file:weekly/"), got.Reference)
		require.NotNil(t, got.Bundle)
		require.NotNil(t, got.Report)
		require.NotNil(t, got.Bundle.Newsletter)
		require.NotNil(t, got.Bundle.WebPost)

		nl, err := os.ReadFile(filepath.Join(out, name, "newsletter.html"))
		require.NoError(t, err)
		assert.Equal(t, got.Bundle.Newsletter.HTML, string(nl))
		txt, err := os.ReadFile(filepath.Join(out, name, "newsletter.txt"))
		require.NoError(t, err)
		assert.Equal(t, got.Bundle.Newsletter.Text, string(txt))
		web, err := os.ReadFile(filepath.Join(out, name, "webpost.html"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(web), "<!DOCTYPE html>"))
		assert.Contains(t, string(web), got.Bundle.WebPost.HTML)
		assert.Contains(t, string(web), `<script type="application/ld+json">`)
	}
	raw, err := os.ReadFile(filepath.Join(out, "news-md", "bundle.json"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), "A new sensor")
	assert.Contains(t, string(raw), `"reference": "file:weekly/news.md"`)
}

func TestGenerateBatchDirFlagPrintsJSON(t *testing.T) {
	dir := contentDir(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "weekly", "zz.json")))
	code, stdout, stderr := runCmd(t, map[string]string{"HALCYTONE_CONTENT_DIR": dir}, "generate", "--dir", "weekly", "--format", "json", "--channels", "email")
	require.Equal(t, 0, code, stderr)
	var got []documentOutput
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Len(t, got, 3)
	for i, ref := range []string{"file:weekly/news.json", "file:weekly/news.md", "file:weekly/notes.txt"} {
		assert.Equal(t, ref, got[i].Reference)
		require.NotNil(t, got[i].Bundle)
		assert.NotNil(t, got[i].Bundle.Newsletter)
		assert.Nil(t, got[i].Bundle.WebPost, "only email was asked for")
		assert.Empty(t, got[i].Error)
	}
	assert.Contains(t, stderr, "3 documents: 3 ok, 0 failed")
}

func TestGenerateBatchTextAndReferences(t *testing.T) {
	dir := contentDir(t)
	// Several references make a batch; a folder and a file mix.
	code, stdout, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "--channels", "twitter", "outside.md", "sample:", "missing.md")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "[1/3] file:outside.md\n####")
	assert.Contains(t, stdout, "[2/3] sample:\n")
	assert.Contains(t, stdout, "== twitter")
	assert.Contains(t, stdout, "[3/3] file:missing.md\n")
	assert.Contains(t, stdout, "failed: ")
	assert.Contains(t, stderr, "[3/3] file:missing.md failed: ")
	assert.Contains(t, stderr, "1 of 3 documents failed")
}

func TestGenerateBatchStaysInContentDir(t *testing.T) {
	dir := contentDir(t)
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.md"), []byte(docMarkdown), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "weekly", "link.md")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "elsewhere")))

	code, _, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "--out", t.TempDir(), "weekly")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `file:weekly/link\.md failed: .*invalid_content`, stderr, "a link out of the content directory is refused, as for file:")
	assert.Contains(t, stderr, "2 of 5 documents failed")

	for _, args := range [][]string{
		{"--dir", "..", "--out", t.TempDir()},
		{"--dir", "elsewhere", "--out", t.TempDir()},
		{"--dir", filepath.Join(dir, "weekly"), "--out", t.TempDir()},
	} {
		code, _, stderr := runCmd(t, nil, append([]string{"generate", "--content-dir", dir}, args...)...)
		assert.Equal(t, 1, code, "%v: %s", args, stderr)
		assert.NotContains(t, stderr, "[1/", "%v: no document is read", args)
	}
	// A folder argument that leaves the content directory is no folder:
	// it is fetched as a file reference, and refused.
	code, _, stderr = runCmd(t, nil, "generate", "--content-dir", filepath.Join(dir, "weekly"), "../weekly")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "invalid_content")
}

func TestGenerateBatchEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "empty"), 0o755))
	code, _, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "empty")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `folder "empty"`)
	assert.Contains(t, stderr, "has no .md, .markdown, .json or .txt file")
}

func TestGenerateBatchStrict(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "good.md"), []byte(docMarkdown), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "claim.md"), []byte(docClaim), 0o644))
	out := t.TempDir()

	code, _, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "--out", out, ".")
	assert.Equal(t, 0, code, "validation errors are reported, not fatal: %s", stderr)
	assert.Regexp(t, `\[1/2\] file:claim\.md ok, \d+ validation errors`, stderr)

	code, _, stderr = runCmd(t, nil, "generate", "--content-dir", dir, "--out", out, "--strict", ".")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `\[1/2\] file:claim\.md failed: validation found \d+ errors`, stderr)
	assert.Contains(t, stderr, "[2/2] file:good.md ok")
	raw, err := os.ReadFile(filepath.Join(out, "claim", "bundle.json"))
	require.NoError(t, err, "the files of an invalid document are still written, to be read")
	assert.Contains(t, string(raw), content.CodeProhibitedClaim)
}

func TestGenerateBatchRemovesStaleVariants(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCmd(t, nil, "generate", "--out", out, "sample:")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(out, "sample", "newsletter.html"))
	assert.FileExists(t, filepath.Join(out, "sample", "webpost.html"))

	code, _, stderr = runCmd(t, nil, "generate", "--out", out, "--channels", "linkedin", "sample:")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(out, "sample", "bundle.json"))
	assert.NoFileExists(t, filepath.Join(out, "sample", "newsletter.html"))
	assert.NoFileExists(t, filepath.Join(out, "sample", "newsletter.txt"))
	assert.NoFileExists(t, filepath.Join(out, "sample", "webpost.html"))
}

func TestGeneratePlanOfTheSample(t *testing.T) {
	code, stdout, stderr := runCmd(t, nil, "generate", "--plan", "week", "--count", "5", "--start", "2026-11-16",
		"--timezone", "Europe/Paris", "--format", "json", "--channels", "twitter,email")
	require.Equal(t, 0, code, stderr)
	var got planOutput
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	assert.Equal(t, "week", string(got.Period))
	assert.Equal(t, "Europe/Paris", got.Timezone)
	assert.True(t, got.Start.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, paris)), got.Start)
	assert.True(t, got.End.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, paris)), got.End)
	require.Len(t, got.Slots, 5)
	for i, s := range got.Slots {
		assert.Equal(t, i, s.Item)
		assert.Equal(t, "sample:", s.Reference)
		assert.Empty(t, s.Folder)
		assert.NotEmpty(t, s.Title)
		local := s.At.In(paris)
		assert.GreaterOrEqual(t, local.Hour(), 9, s.At)
		assert.Less(t, local.Hour(), 17, s.At)
		assert.NotEqual(t, time.Saturday, local.Weekday())
		assert.NotEqual(t, time.Sunday, local.Weekday())
		if i > 0 {
			assert.True(t, s.At.After(got.Slots[i-1].At))
		}
	}
	assert.Equal(t, content.ChannelEmail, got.Slots[0].Channel, "email first")
	assert.Equal(t, content.ChannelTwitter, got.Slots[1].Channel)
	assert.True(t, got.Slots[0].At.Equal(time.Date(2026, 11, 16, 9, 0, 0, 0, paris)), got.Slots[0].At)
	assert.Contains(t, stderr, "[1/1] sample: ok")

	code, stdout, stderr = runCmd(t, map[string]string{"HALCYTONE_TIMEZONE": "Europe/Paris"}, "generate", "--plan", "day", "--count", "2", "--start", "2026-11-16T09:00", "sample:")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Plan: day from Mon 2026-11-16 09:00 to Tue 2026-11-17 00:00 (Europe/Paris), 2 publications")
	assert.Contains(t, stdout, "1  Mon 2026-11-16 09:00  email")
}

func TestGeneratePlanOfAFolderToOut(t *testing.T) {
	dir := contentDir(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, nil, "generate", "--content-dir", dir, "--out", out, "--plan", "month", "--start", "2026-11-02T00:00:00Z", "weekly")
	assert.Equal(t, 1, code, "zz.json fails; the plan is still written: %s", stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "plan in "+filepath.Join(out, "plan.json"))

	raw, err := os.ReadFile(filepath.Join(out, "plan.json"))
	require.NoError(t, err)
	var got planOutput
	require.NoError(t, json.Unmarshal(raw, &got))
	require.Len(t, got.Slots, 3, "one publication per document that did not fail")
	assert.Equal(t, []string{"news-json", "news-md", "notes"}, []string{got.Slots[0].Folder, got.Slots[1].Folder, got.Slots[2].Folder})
	assert.Equal(t, "file:weekly/news.md", got.Slots[1].Reference)
	assert.Equal(t, "A new sensor", got.Slots[1].Title)
	for _, s := range got.Slots {
		assert.DirExists(t, filepath.Join(out, s.Folder))
	}
}

func TestGenerateBatchUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--count", "3", "sample:"}, "--count and --start need --plan"},
		{[]string{"--start", "2026-11-16", "sample:"}, "--count and --start need --plan"},
		{[]string{"--plan", "year"}, `--plan "year": want day, week or month`},
		{[]string{"--plan", "week", "--timezone", "Mars/Olympus"}, `--timezone "Mars/Olympus"`},
		{[]string{"--plan", "week", "--timezone", "Local"}, `--timezone "Local"`},
		{[]string{"--plan", "week", "--start", "next monday"}, `--start "next monday"`},
		{[]string{"--plan", "week", "--count", "-1"}, "--count -1"},
		{[]string{"--plan", "week", "--count", "10001"}, "--count 10001"},
		{[]string{"--plan", "day", "--start", "2026-11-16T18:00"}, "no business hours"},
		{[]string{"--plan", "week", "--format", "html"}, "--format html prints one newsletter"},
		{[]string{"--dir", ".", "--format", "html"}, "--format html prints one newsletter"},
		{[]string{"--format", "html", "sample:", "sample:"}, "--format html prints one newsletter"},
	} {
		code, _, stderr := runCmd(t, nil, append([]string{"generate"}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

func TestGenerateBatchStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"generate", "--out", t.TempDir(), "sample:"}, func(string) string { return "" }, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "context canceled")
}

func TestGenerateFolderNames(t *testing.T) {
	for _, tc := range []struct {
		refs, want []string
	}{
		{[]string{"file:a/news.md", "file:a/notes.txt"}, []string{"news", "notes"}},
		{[]string{"file:news.md", "file:news.json", "file:b/news.md"}, []string{"news-md", "news-json", "news-md-2"}},
		{[]string{"sample:", "sample:"}, []string{"sample", "sample-2"}},
		{[]string{"https://example.com/posts/today.md?x=1", "https://example.com/"}, []string{"today", "example.com"}},
		{[]string{"gdocs:1AbC_x", "notion:db/../x"}, []string{"gdocs-1AbC_x", "notion-db-..-x"}},
		{[]string{"file:..md", "file:ü.txt"}, []string{"document-md", "document-txt"}},
		{[]string{"file:..md", "file:ü.md"}, []string{"document-md", "document-md-2"}},
	} {
		assert.Equal(t, tc.want, folderNames(tc.refs), tc.refs)
	}
	for _, n := range folderNames([]string{"notion:../../etc", "file:/x/.."}) {
		assert.True(t, filepath.IsLocal(n) && !strings.ContainsAny(n, `/\`), n)
	}
}

func TestGenerateProgress(t *testing.T) {
	var lines bytes.Buffer
	p := newProgress(&lines, 2, false)
	p.begin("sample:")
	p.end(0, "sample:", "ok")
	p.end(1, "file:x.md", "failed: boom")
	p.close()
	assert.Equal(t, "[1/2] sample: ok\n[2/2] file:x.md failed: boom\n", lines.String())

	var bar bytes.Buffer
	p = newProgress(&bar, 2, true)
	p.begin("file:a.md")
	p.end(0, "file:a.md", "ok")
	p.begin("file:b.md")
	p.end(1, "file:b.md", "ok")
	p.close()
	assert.Contains(t, bar.String(), "file:b.md")
	assert.Contains(t, bar.String(), "(2/2)")
	assert.Contains(t, bar.String(), "100%")
	assert.NotContains(t, bar.String(), "[2/2]", "no plain lines on a terminal")
	assert.True(t, strings.HasSuffix(bar.String(), "\n"))

	assert.False(t, isTerminal(&bar))
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a regular file is no terminal")
}

func TestGenerateParsePlanStart(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                          now,
		"2026-11-16":                time.Date(2026, 11, 16, 0, 0, 0, 0, paris),
		"2026-11-16T10:30":          time.Date(2026, 11, 16, 10, 30, 0, 0, paris),
		"2026-11-16 10:30":          time.Date(2026, 11, 16, 10, 30, 0, 0, paris),
		"2026-11-16T10:30:00Z":      time.Date(2026, 11, 16, 10, 30, 0, 0, time.UTC),
		"2026-11-16T10:30:00-05:00": time.Date(2026, 11, 16, 15, 30, 0, 0, time.UTC),
		"2026-03-29T02:30":          time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), // skipped by the clock: 03:00 CEST
	} {
		got, err := parsePlanStart(in, paris, now)
		require.NoError(t, err, in)
		assert.True(t, got.Equal(want), "%q: %s", in, got)
		assert.Equal(t, paris, got.Location(), in)
	} // More than a year ahead, as a job's publish time may not be: the
	// year 9999 once gave a plan whose JSON could not be written.
	for _, in := range []string{"2027-01-03", "9999-12-20", "9999-12-31T23:59:59-23:59", "2026-13-01", "soon"} {
		_, err := parsePlanStart(in, paris, now)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "--start", in)
	}
}
