package mock

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxLoggedBody caps the request body a fake reads and logs.
const maxLoggedBody = 1 << 20

// Request is one request a fake server received, as logged.
type Request struct {
	Method string
	Path   string
	Query  string // the raw query
	Header http.Header
	Body   []byte // at most 1 MiB
	Status int    // the status the fake answered with
}

// failure is a scripted error response.
type failure struct {
	status     int
	retryAfter time.Duration
}

// fake is the plumbing every fake server shares: the request log, the
// queue of scripted failures and an optional loopback listener.
type fake struct {
	mu    sync.Mutex
	log   []Request
	fails []failure
	srv   *httptest.Server
}

// begin logs r and reads its body (bounded). It returns the log index,
// the body and the scripted failure to answer with, if one is queued.
func (f *fake) begin(r *http.Request) (int, []byte, *failure) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxLoggedBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
	})
	var fl *failure
	if len(f.fails) > 0 {
		first := f.fails[0]
		fl = &first
		f.fails = f.fails[1:]
	}
	return len(f.log) - 1, body, fl
}

// answered records the status request i was answered with.
func (f *fake) answered(i, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < len(f.log) {
		f.log[i].Status = status
	}
}

// failNext queues n failures with the given status; retryAfter, when
// positive, is sent as Retry-After in whole seconds (rounded up).
func (f *fake) failNext(n, status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fails = append(f.fails, failure{status: status, retryAfter: retryAfter})
	}
}

// requests returns a copy of the log.
func (f *fake) requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// start serves h on a loopback port, once, and returns the base URL.
func (f *fake) start(h http.Handler) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv == nil {
		f.srv = httptest.NewServer(h)
	}
	return f.srv.URL
}

// url returns the base URL, or "" when not started.
func (f *fake) url() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv == nil {
		return ""
	}
	return f.srv.URL
}

// close stops the listener, if started.
func (f *fake) close() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// setRetryAfter sets the Retry-After header of a scripted failure.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records code and passes it on.
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
