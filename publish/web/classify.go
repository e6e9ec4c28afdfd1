package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/httpreply"
)

// maxResponse caps the response body the publisher reads.
const maxResponse = 1 << 20

// call is one HTTP request to a remote API.
type call struct {
	op     string // such as "web: create post"
	method string
	url    string
	token  string
	body   []byte
	header map[string]string
	// write is true when the request may take effect remotely: a failure
	// after it was sent is then OutcomeUnknown.
	write bool
}

// response is a remote answer read in full (bounded).
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends c with client and returns the answer, or a classified error
// for a failure to get one. It does not classify HTTP statuses.
func do(ctx context.Context, client *http.Client, c call) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: c.op, Err: err}
	}
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	// wrote is set by the transport's goroutine once the request is out.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), c.method, c.url, rd)
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: c.op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, transportError(c, wrote.Load(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		// The request reached the server; its answer was lost.
		return nil, transportError(c, true, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// transportError classifies a failure to get an answer: before the request
// was sent it is Retryable; after a write was sent it is OutcomeUnknown.
func transportError(c call, sent bool, err error) error {
	if sent && c.write {
		return &content.Error{Class: content.OutcomeUnknown, Op: c.op, Err: fmt.Errorf("no answer after sending: %w", err)}
	}
	return &content.Error{Class: content.Retryable, Op: c.op, Err: err}
}

// apiError is the error body of the platform API (and, loosely, of most
// JSON APIs): {"error":{"code","message","field"}}.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// statusError classifies a non-2xx answer: 429 RateLimited (Retry-After in
// seconds or as an HTTP date), 401 AuthExpired, 400/409/422
// InvalidContent (with the body's field, or defaultField), 404 NotFound,
// 5xx Retryable, anything else Permanent. Bodies that are not JSON (HTML
// error pages) are summarised, never trusted.
func statusError(op string, r *response, defaultField string, now time.Time) error {
	var ae apiError
	msg := ""
	if json.Unmarshal(r.body, &ae) == nil && (ae.Error.Code != "" || ae.Error.Message != "") {
		msg = strings.TrimSpace(ae.Error.Code + ": " + ae.Error.Message)
	} else {
		msg = summarise(r)
	}
	cause := fmt.Errorf("http %d: %s", r.status, msg)
	e := &content.Error{Op: op, Err: cause}
	switch {
	case r.status == http.StatusTooManyRequests:
		e.Class, e.RetryAfter = content.RateLimited, retryAfter(r.header.Get("Retry-After"), now)
	case r.status == http.StatusUnauthorized:
		e.Class = content.AuthExpired
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusUnprocessableEntity:
		e.Class, e.Field = content.InvalidContent, ae.Error.Field
		if e.Field == "" {
			e.Field = defaultField
		}
	case r.status == http.StatusNotFound:
		e.Class = content.NotFound
	case r.status >= 500:
		e.Class = content.Retryable
	default:
		e.Class = content.Permanent
	}
	return e
}

// summarise describes a body that is not the API's JSON error.
func summarise(r *response) string {
	ct := r.header.Get("Content-Type")
	if strings.Contains(ct, "html") || bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("<")) {
		return fmt.Sprintf("non-JSON answer (%s, %d bytes)", ct, len(r.body))
	}
	s := httpreply.Cut(strings.TrimSpace(string(r.body)), 200, "...")
	if s == "" {
		s = http.StatusText(r.status)
	}
	return s
}

// decode reads a 2xx JSON answer into v. A body that does not decode is
// OutcomeUnknown for a write (the remote may have acted, and what it did
// cannot be read) and Permanent for a read.
func decode(c call, r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		class := content.Permanent
		if c.write {
			class = content.OutcomeUnknown
		}
		return &content.Error{Class: class, Op: c.op, Err: fmt.Errorf("malformed answer (http %d, %s): %w", r.status, summarise(r), err)}
	}
	return nil
}

// retryAfter parses a Retry-After value in seconds or as an HTTP date;
// zero when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	d, _ := httpreply.RetryAfter(v, now, 0)
	return d
}
