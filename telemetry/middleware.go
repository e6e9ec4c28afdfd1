package telemetry

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// unmatched is the route label of a request no ServeMux pattern matched.
const unmatched = "unmatched"

// Middleware records http_requests_total and http_request_duration_seconds
// for every request next serves. The route label is the path part of the
// pattern the ServeMux matched (r.Pattern, read after next returns), or
// "unmatched"; methods outside the standard set are labelled "OTHER". The
// status is the one the handler wrote, 200 when it wrote none, and 101 when
// it hijacked the connection without writing one. A request whose handler
// panics is not recorded, and an upgraded connection (101) is counted but
// not timed.
//
// The ResponseWriter passed to next supports http.Flusher, http.Hijacker
// and io.ReaderFrom, and unwraps for http.ResponseController, so streaming
// and WebSocket upgrades work through it.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		method, route := methodLabel(r.Method), routeLabel(r.Pattern)
		m.HTTPRequests.WithLabelValues(method, route, strconv.Itoa(rec.status)).Inc()
		if rec.status != http.StatusSwitchingProtocols { // a WebSocket's lifetime is not a latency
			m.HTTPDuration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		}
	})
}

// routeLabel returns the path part of a ServeMux pattern
// "[METHOD ][HOST]/PATH"; neither method nor host contains a slash.
func routeLabel(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return unmatched
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// recorder is the ResponseWriter Middleware passes on; it remembers the
// final status.
type recorder struct {
	http.ResponseWriter
	status int  // the final status; 200 until one is written
	wrote  bool // whether the final status is known
}

// WriteHeader records code unless a final status is already known;
// informational 1xx codes other than 101 are passed on unrecorded.
func (w *recorder) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes p; without an earlier WriteHeader the status is 200.
func (w *recorder) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// ReadFrom copies src to the response, keeping the underlying writer's
// sendfile path when it has one.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	w.wrote = true
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides every method of a writer but Write, so io.Copy does not
// loop back into ReadFrom.
type writerOnly struct{ io.Writer }

// Flush implements http.Flusher; it does nothing when the underlying
// writer cannot flush.
func (w *recorder) Flush() { _ = w.FlushError() }

// FlushError flushes the underlying writer and reports why it could not;
// http.ResponseController.Flush calls it.
func (w *recorder) FlushError() error {
	w.wrote = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker through the underlying writer.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && !w.wrote {
		w.status, w.wrote = http.StatusSwitchingProtocols, true
	}
	return conn, brw, err
}

// Unwrap returns the underlying ResponseWriter, for
// http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
