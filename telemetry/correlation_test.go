package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/telemetry"
)

func TestCorrelationIDContext(t *testing.T) {
	ctx := context.Background()
	assert.Empty(t, telemetry.CorrelationID(ctx))
	ctx = telemetry.WithCorrelationID(ctx, "abc")
	assert.Equal(t, "abc", telemetry.CorrelationID(ctx))
	assert.Equal(t, "def", telemetry.CorrelationID(telemetry.WithCorrelationID(ctx, "def")))
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestCorrelationMiddleware(t *testing.T) {
	longest := strings.Repeat("a", 128)
	tests := []struct {
		name   string
		header []string // nil: no header
		echo   bool
	}{
		{name: "valid", header: []string{"req-1.a_b:C"}, echo: true},
		{name: "128 characters", header: []string{longest}, echo: true},
		{name: "absent"},
		{name: "empty", header: []string{""}},
		{name: "300 characters", header: []string{strings.Repeat("a", 300)}},
		{name: "129 characters", header: []string{longest + "a"}},
		{name: "newline", header: []string{"abc\ndef"}},
		{name: "space", header: []string{"abc def"}},
		{name: "slash", header: []string{"abc/def"}},
		{name: "non-ascii", header: []string{"abcé"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := telemetry.CorrelationMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = telemetry.CorrelationID(r.Context())
				http.Error(w, "boom", http.StatusInternalServerError)
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != nil {
				req.Header.Set(telemetry.CorrelationHeader, tt.header[0])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			got := rec.Header().Get("X-Correlation-ID")
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, seen, got, "the response header is the ID in the context")
			if tt.echo {
				assert.Equal(t, tt.header[0], got)
			} else {
				assert.Regexp(t, generatedID, got)
			}
		})
	}
}

func TestCorrelationMiddlewareGeneratesDistinctIDs(t *testing.T) {
	h := telemetry.CorrelationMiddleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ids := map[string]bool{}
	for range 10 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		ids[rec.Header().Get("X-Correlation-ID")] = true
	}
	assert.Len(t, ids, 10)
}
