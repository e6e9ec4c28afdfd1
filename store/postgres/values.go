package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// now returns the current time as the store keeps it: UTC, microseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ts is t as a query argument: NULL when zero.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// utc returns a scanned timestamptz in UTC, zero when NULL.
func utc(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// encode marshals v for a json or jsonb column: nil (SQL NULL) when v
// encodes as null, so that a nil slice or map comes back nil. A value
// encoding/json refuses is store.ErrInvalid.
func encode(v any, what string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, invalid("%s: encode as json: %v", what, err)
	}
	if bytes.Equal(b, []byte("null")) {
		return nil, nil
	}
	return b, nil
}

// decode unmarshals a json or jsonb column into dst, leaving dst alone when
// the column is NULL.
func decode(b []byte, dst any, what string) error {
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("postgres: %s: decode stored json: %w", what, err)
	}
	return nil
}
