package postgres

import (
	"fmt"
	"strings"

	"github.com/halcytone/halcytone/store"
)

// Option configures Open.
type Option func(*options) error

type options struct {
	schema   string
	maxConns int32
}

// WithSchema keeps every table in the PostgreSQL schema name, created on
// Open if missing, by setting search_path on each pooled connection. River,
// sharing the pool, puts its tables there too. The default is the server's
// search_path (usually public).
func WithSchema(name string) Option {
	return func(o *options) error {
		if name == "" || strings.ContainsRune(name, 0) || len(name) > 63 {
			return fmt.Errorf("postgres: %w: schema name %q: want 1 to 63 bytes, no NUL", store.ErrInvalid, name)
		}
		o.schema = name
		return nil
	}
}

// WithMaxConns caps the pool at n connections (pgxpool's default is the
// larger of 4 and the number of CPUs, or pool_max_conns in the URL).
func WithMaxConns(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 10_000 {
			return fmt.Errorf("postgres: %w: max connections %d: want 1 to 10000", store.ErrInvalid, n)
		}
		o.maxConns = int32(n)
		return nil
	}
}
