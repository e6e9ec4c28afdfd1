package telemetry_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/telemetry"
)

func TestMiddlewareRouteIsThePattern(t *testing.T) {
	m := newMetrics(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/jobs/{job_id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.PathValue("job_id"))
	})
	mux.HandleFunc("POST /api/v2/jobs", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	h := m.Middleware(mux)

	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/api/v2/jobs/abc", nil),
		httptest.NewRequest(http.MethodGet, "/api/v2/jobs/def", nil),
		httptest.NewRequest(http.MethodPost, "/api/v2/jobs", nil),
		httptest.NewRequest(http.MethodGet, "/nowhere/123", nil),
		httptest.NewRequest(http.MethodDelete, "/api/v2/jobs/abc", nil),
		httptest.NewRequest("BREW", "/api/v2/jobs/abc", nil),
	} {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}

	assert.Equal(t, 2.0, requests(t, m, "GET", "/api/v2/jobs/{job_id}", "200"))
	assert.Equal(t, 1.0, requests(t, m, "POST", "/api/v2/jobs", "201"))
	assert.Equal(t, 1.0, requests(t, m, "GET", "unmatched", "404"))
	assert.Equal(t, 1.0, requests(t, m, "DELETE", "unmatched", "405"))
	assert.Equal(t, 1.0, requests(t, m, "OTHER", "unmatched", "405"))
	assert.Len(t, gathered(t, m, "http_requests_total"), 5, "no raw path became a label")
	assert.Len(t, gathered(t, m, "http_request_duration_seconds"), 5)
	for _, set := range gathered(t, m, "http_requests_total") {
		assert.NotContains(t, set["route"], "abc")
	}
}

func TestMiddlewareRouteWithHostPattern(t *testing.T) {
	m := newMetrics(t)
	mux := http.NewServeMux()
	mux.HandleFunc("example.com/items/{id}", func(http.ResponseWriter, *http.Request) {})
	m.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://example.com/items/7", nil))
	assert.Equal(t, 1.0, requests(t, m, "GET", "/items/{id}", "200"))
}

func TestMiddlewareStatus(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  string
	}{
		{name: "explicit", status: "418", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			w.WriteHeader(http.StatusInternalServerError) // superfluous, ignored
		}},
		{name: "implicit on write", status: "200", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
		}},
		{name: "implicit without write", status: "200", handler: func(http.ResponseWriter, *http.Request) {}},
		{name: "after informational", status: "204", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNoContent)
		}},
		{name: "write then header", status: "200", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
			w.WriteHeader(http.StatusBadGateway)
		}},
		{name: "http.Error", status: "503", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics(t)
			mux := http.NewServeMux()
			mux.Handle("/x", tt.handler)
			m.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
			assert.Equal(t, 1.0, requests(t, m, "GET", "/x", tt.status))
		})
	}
}

func TestMiddlewareFlusher(t *testing.T) {
	m := newMetrics(t)
	var isFlusher bool
	var flushErr error
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f, ok := w.(http.Flusher)
		isFlusher = ok
		_, _ = io.WriteString(w, "event: x\n\n")
		if ok {
			f.Flush()
		}
		flushErr = http.NewResponseController(w).Flush()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))

	assert.True(t, isFlusher)
	assert.NoError(t, flushErr)
	assert.True(t, rec.Flushed)
	assert.Equal(t, 1.0, requests(t, m, "GET", "unmatched", "200"))
}

func TestMiddlewareResponseControllerReachesUnderlyingWriter(t *testing.T) {
	m := newMetrics(t)
	var unwrapped http.ResponseWriter
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		require.True(t, ok)
		unwrapped = u.Unwrap()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Same(t, rec, unwrapped)
}

// An upgrade that hijacks the connection works through the middleware,
// and is counted as 101.
func TestMiddlewareHijack(t *testing.T) {
	m := newMetrics(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, _ *http.Request) {
		_, ok := w.(http.Hijacker)
		assert.True(t, ok, "http.Hijacker through the wrapper")
		conn, brw, err := http.NewResponseController(w).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, err := brw.ReadString('\n')
		if assert.NoError(t, err) {
			_, _ = brw.WriteString(line)
			_ = brw.Flush()
		}
	})
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		m.Middleware(mux).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	_, err = io.WriteString(conn, "ping\n")
	require.NoError(t, err)
	echo, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "ping\n", echo)

	<-done
	assert.Equal(t, 1.0, requests(t, m, "GET", "/ws", "101"))
}

func TestMiddlewareReadFrom(t *testing.T) {
	m := newMetrics(t)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rf, ok := w.(io.ReaderFrom)
		require.True(t, ok)
		_, err := rf.ReadFrom(io.LimitReader(zeros{}, 10))
		assert.NoError(t, err)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, 10, rec.Body.Len())
	assert.Equal(t, 1.0, requests(t, m, "GET", "unmatched", "200"))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// The documented order: correlation outside, metrics directly around the
// ServeMux.
func TestMiddlewareUnderCorrelation(t *testing.T) {
	m := newMetrics(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/jobs/{job_id}", func(http.ResponseWriter, *http.Request) {})
	h := telemetry.CorrelationMiddleware(m.Middleware(mux))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v2/jobs/abc", nil))
	assert.Equal(t, 1.0, requests(t, m, "GET", "/api/v2/jobs/{job_id}", "200"))
}

func BenchmarkMiddleware(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux := http.NewServeMux()
	mux.Handle("GET /api/v2/jobs/{job_id}", handler)
	m := newMetrics(b)
	for _, bb := range []struct {
		name string
		h    http.Handler
	}{
		{name: "bare", h: mux},
		{name: "middleware", h: m.Middleware(mux)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/api/v2/jobs/abc", nil)
				bb.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
