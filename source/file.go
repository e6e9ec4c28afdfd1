package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

const opFile = "source: file"

// File reads living documents from files inside one directory. A
// reference "file:news/today.md" names a file relative to Root; paths
// that leave Root, through ".." or through a symbolic link pointing
// outside it, are refused (os.Root enforces this at every path step).
// The format comes from the extension (.md and .markdown, .json, .txt),
// else from DetectFormat; files over MaxDocumentSize are refused. File is
// safe for concurrent use.
type File struct {
	// Root is the directory documents are read from.
	Root string
}

var _ Source = (*File)(nil)

// Fetch reads and parses the file that ref ("file:<name>") names. A
// missing file is content.NotFound; a refused path, a directory, a file
// too large or one that does not parse is content.InvalidContent.
func (f *File) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: opFile, Err: err}
	}
	name, ok := strings.CutPrefix(ref, "file:")
	if !ok || name == "" {
		return nil, content.Errorf(content.InvalidContent, opFile, "reference %q is not file:<name>", ref)
	}
	if !filepath.IsLocal(name) {
		return nil, content.Errorf(content.InvalidContent, opFile, "path %q leaves the content directory", name)
	}
	if f.Root == "" {
		return nil, content.Errorf(content.Permanent, opFile, "no content directory configured for %q", name)
	}
	root, err := os.OpenRoot(f.Root)
	if err != nil {
		return nil, content.Errorf(content.Permanent, opFile, "content directory %q: %w", f.Root, err)
	}
	defer root.Close()
	data, err := readInRoot(root, name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: opFile, Err: err}
	}
	doc, err := Parse(data, fileFormat(name))
	if err != nil {
		return nil, fmt.Errorf("file %q: %w", name, err)
	}
	doc.Source, doc.FetchedAt = ref, time.Now().UTC()
	return doc, nil
}

// readInRoot reads a regular file of root, at most MaxDocumentSize bytes.
func readInRoot(root *os.Root, name string) ([]byte, error) {
	// Stat first so that opening a FIFO or device cannot block.
	info, err := root.Stat(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, content.Errorf(content.InvalidContent, opFile, "%q is not a regular file", name)
	}
	if info.Size() > MaxDocumentSize {
		return nil, invalid(opFile, "", ErrTooLarge, "%q has %d bytes, limit %d", name, info.Size(), MaxDocumentSize)
	}
	fh, err := root.Open(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxDocumentSize+1))
	if err != nil {
		return nil, content.Errorf(content.Permanent, opFile, "read %q: %w", name, err)
	}
	if len(data) > MaxDocumentSize {
		return nil, invalid(opFile, "", ErrTooLarge, "%q grew past the limit of %d bytes", name, MaxDocumentSize)
	}
	return data, nil
}

// fileError classifies an error of os.Root: not found, permission denied,
// or (anything else, notably a path escaping the root) refused.
func fileError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return content.Errorf(content.NotFound, opFile, "no file %q: %w", name, err)
	case errors.Is(err, fs.ErrPermission):
		return content.Errorf(content.Permanent, opFile, "file %q: %w", name, err)
	}
	return content.Errorf(content.InvalidContent, opFile, "path %q refused: %w", name, err)
}

// fileFormat picks a format from a file name's extension; "" means detect.
func fileFormat(name string) content.Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown":
		return content.FormatMarkdown
	case ".json":
		return content.FormatJSON
	case ".txt", ".text":
		return content.FormatText
	}
	return ""
}
