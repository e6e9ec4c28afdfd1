package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/halcytone/halcytone/store"
)

// ErrSchemaTooNew means the database was migrated by a newer version of
// Halcytone than this one: upgrade the program, never downgrade the data.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this program")

// SQLSTATE codes the store maps onto store's sentinels.
const (
	codeUniqueViolation = "23505"
	classDataException  = "22" // invalid text, out-of-range numbers, NUL bytes
)

// classify adds the sentinel that describes err, if one does. what names
// the operation and its input, such as `get job "j1"`. The *pgconn.PgError
// stays reachable with errors.As.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w: %w", what, store.ErrConflict, err)
		case strings.HasPrefix(pe.Code, classDataException):
			return fmt.Errorf("postgres: %s: %w: %w", what, store.ErrInvalid, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// invalid returns an error wrapping store.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("postgres: %w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}

// notFound returns an error wrapping store.ErrNotFound.
func notFound(format string, args ...any) error {
	return fmt.Errorf("postgres: %s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}

// conflict returns an error wrapping store.ErrConflict.
func conflict(format string, args ...any) error {
	return fmt.Errorf("postgres: %s: %w", fmt.Sprintf(format, args...), store.ErrConflict)
}
