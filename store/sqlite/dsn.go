package sqlite

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/halcytone/halcytone/store"
)

// DefaultPath is the database file Open uses when given "".
const DefaultPath = "halcytone.db"

// PathFromURL returns the file path of a database URL: "sqlite://rel.db",
// "sqlite:///abs/path.db", "sqlite:rel.db", "file:rel.db" and
// "file:///abs/path.db" are accepted, and a plain path is returned as is.
// Query parameters are refused: the store sets its own.
func PathFromURL(raw string) (string, error) {
	var rest string
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		rest = strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "sqlite:"):
		rest = strings.TrimPrefix(raw, "sqlite:")
	case strings.HasPrefix(raw, "file://"):
		rest = strings.TrimPrefix(raw, "file://")
	case strings.HasPrefix(raw, "file:"):
		rest = strings.TrimPrefix(raw, "file:")
	default:
		if strings.Contains(raw, "://") {
			return "", fmt.Errorf("sqlite: database url %q: %w: scheme is not sqlite or file", raw, store.ErrInvalid)
		}
		return raw, nil
	}
	if strings.ContainsAny(rest, "?#") {
		return "", fmt.Errorf("sqlite: database url %q: %w: query and fragment are not supported", raw, store.ErrInvalid)
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return "", fmt.Errorf("sqlite: database url %q: %w: %w", raw, store.ErrInvalid, err)
	}
	if p == "" {
		return "", fmt.Errorf("sqlite: database url %q: %w: no path", raw, store.ErrInvalid)
	}
	return p, nil
}

// writerDSN is the DSN of the one read-write connection.
func writerDSN(path string) string {
	return fileURI(path) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// readerDSN is the DSN of the read-only pool.
func readerDSN(path string) string {
	return fileURI(path) + "?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)"
}

// fileURI turns a file path into an SQLite "file:" URI, escaping the
// characters that the URI syntax reserves.
func fileURI(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath()
}
