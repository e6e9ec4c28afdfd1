package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/store"
)

// micros encodes t as unix microseconds, NULL for the zero time.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros decodes micros; NULL is the zero time.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// norm returns t as the store keeps it: UTC, microsecond precision.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// encodeJSON marshals v, NULL for a nil slice, map or pointer (JSON null).
func encodeJSON(v any, field string) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode %s: %w: %w", field, store.ErrInvalid, err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// decodeJSON unmarshals a JSON column into dst; NULL leaves dst as is.
func decodeJSON(s sql.NullString, dst any, field string) error {
	if !s.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(s.String), dst); err != nil {
		return fmt.Errorf("sqlite: decode %s: %w", field, err)
	}
	return nil
}

// jsonCodec encodes and decodes the JSON columns of one record, keeping
// the first error; kind and id name the record in that error (formatted
// only on failure, as rows are decoded in bulk).
type jsonCodec struct {
	kind, id string
	err      error
}

func (c *jsonCodec) enc(v any, field string) any {
	if c.err != nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.err = fmt.Errorf("sqlite: encode %s %q %s: %w: %w", c.kind, c.id, field, store.ErrInvalid, err)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	return string(b)
}

func (c *jsonCodec) dec(s sql.NullString, dst any, field string) {
	if c.err != nil || !s.Valid {
		return
	}
	if err := json.Unmarshal([]byte(s.String), dst); err != nil {
		c.err = fmt.Errorf("sqlite: decode %s %q %s: %w", c.kind, c.id, field, err)
	}
}

// boolInt encodes a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullString encodes "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkLimit applies a default and a maximum (0 for none) to a limit.
func checkLimit(limit, def, maxLimit int, what string) (int, error) {
	switch {
	case limit < 0:
		return 0, invalid("%s: negative limit %d", what, limit)
	case limit == 0:
		return def, nil
	case maxLimit > 0 && limit > maxLimit:
		return maxLimit, nil
	}
	return limit, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }
