package source_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// FuzzFileReference sends any reference through a registry whose only
// source is File over a content directory, next to which lies a secret
// file, also reachable through a symbolic link inside the directory:
// whatever the reference, no document ever holds the secret, and a
// refusal is classified (never Retryable: nothing here is transient).
func FuzzFileReference(f *testing.F) {
	base := f.TempDir()
	root := filepath.Join(base, "content")
	const secret = "SECRET-7f3a9c outside the content directory"
	for path, text := range map[string]string{
		filepath.Join(root, "news.md"):         "# News\n\n## Tips\n\n### Breathe\n\nIn and out.\n",
		filepath.Join(root, "sub", "deep.txt"): "Deep thoughts\n\nA paragraph.\n",
		filepath.Join(base, "outside", "s.md"): "# " + secret + "\n\n### x\n\n" + secret + "\n",
		filepath.Join(base, "content-evil.md"): "# " + secret + "\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(base, "outside", "s.md"), filepath.Join(root, "link.md")); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside"), filepath.Join(root, "outdir")); err != nil {
		f.Fatal(err)
	}
	reg := source.NewRegistry()
	reg.Register("file", &source.File{Root: root})
	// The inside files read; the secret's ways in do not.
	if _, err := reg.Fetch(f.Context(), "file:sub/deep.txt"); err != nil {
		f.Fatalf("the inside file: %v", err)
	}
	for _, ref := range []string{"file:link.md", "file:outdir/s.md", "file:../outside/s.md"} {
		if _, err := reg.Fetch(f.Context(), ref); err == nil {
			f.Fatalf("%s read", ref)
		}
	}
	for _, ref := range []string{
		"file:news.md", "file:sub/deep.txt", "file:link.md", "file:outdir/s.md", "file:../outside/s.md",
		"file:" + filepath.Join(base, "outside", "s.md"), "file:sub/../../content-evil.md", "file:./news.md",
		"file:sub//deep.txt", "FILE:news.md", " file:news.md", "file:", "file:sub", "file:news.md\x00.txt",
		"file:..", "file:news.md/", "file:%2e%2e/outside/s.md", "file:sub\\..\\..\\content-evil.md",
	} {
		f.Add(ref)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		doc, err := reg.Fetch(t.Context(), ref)
		if err != nil {
			if c := content.ClassOf(err); c == content.Retryable {
				t.Fatalf("%q: a refusal classed %s: %v", ref, c, err)
			}
			return
		}
		var all strings.Builder
		all.WriteString(doc.Title)
		for _, s := range doc.Sections {
			all.WriteString(s.Heading)
			for _, it := range s.Items {
				all.WriteString(it.Title)
				all.WriteString(it.Body)
			}
		}
		if strings.Contains(all.String(), "SECRET-7f3a9c") {
			t.Fatalf("%q read the file outside the content directory", ref)
		}
	})
}
