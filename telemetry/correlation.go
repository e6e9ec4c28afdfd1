package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// CorrelationHeader is the request and response header that carries a
// correlation ID.
const CorrelationHeader = "X-Correlation-ID"

// correlationKey is the context key of the correlation ID.
type correlationKey struct{}

// WithCorrelationID returns a copy of ctx that carries id.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the correlation ID ctx carries, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// CorrelationMiddleware gives every request a correlation ID: the request's
// X-Correlation-ID when it is 1-128 characters of [A-Za-z0-9._:-],
// otherwise a new random one (32 hex digits). The ID is stored in the
// request context (see CorrelationID) and set as the X-Correlation-ID
// response header before next runs, so every response carries it, errors
// included.
func CorrelationMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(CorrelationHeader)
		if !validCorrelationID(id) {
			id = newCorrelationID()
		}
		w.Header().Set(CorrelationHeader, id)
		next.ServeHTTP(w, r.WithContext(WithCorrelationID(r.Context(), id)))
	})
}

// validCorrelationID reports whether id is 1-128 characters of
// [A-Za-z0-9._:-].
func validCorrelationID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// newCorrelationID returns 16 random bytes in hex.
func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}
