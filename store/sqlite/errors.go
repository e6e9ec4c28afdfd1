package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/halcytone/halcytone/store"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors of Open, wrapped with the path and SQLite's own error, so that
// errors.Is and errors.As (*sqlite.Error of modernc.org/sqlite) both work.
var (
	// ErrCorrupt means the file is not a SQLite database or is damaged.
	ErrCorrupt = errors.New("sqlite: database file is corrupt or not a database")
	// ErrReadOnly means the database file, or the directory that must hold
	// it and its WAL, cannot be written.
	ErrReadOnly = errors.New("sqlite: database is read-only")
	// ErrSchemaTooNew means the database was migrated by a newer version
	// of Halcytone than this one.
	ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this program")
)

// sqliteCode returns the extended result code of a modernc error, or 0.
func sqliteCode(err error) int {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// classify adds the sentinel that describes err, if one does. what names
// the operation and its input, such as `get job "j1"`.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	code := sqliteCode(err)
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("sqlite: %s: %w: %w", what, store.ErrConflict, err)
	}
	switch code & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("sqlite: %s: %w: %w", what, ErrCorrupt, err)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("sqlite: %s: %w: %w", what, ErrReadOnly, err)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// invalid returns an error wrapping store.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("sqlite: %w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}
