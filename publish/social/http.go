package social

import (
	"bytes"
	"context"
	"errors"
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

// maxBody caps the response body a publisher reads.
const maxBody = 1 << 20

// defaultTimeout bounds one request when the caller's context has no
// deadline and no http.Client was configured.
const defaultTimeout = 30 * time.Second

// response is a platform's answer, read in full (bounded).
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorParser extracts a message and, for a refused input, the field at
// fault from a platform's error body; both may be "".
type errorParser func(body []byte) (msg, field string)

// do sends one request. A failure before the request was fully written
// is Retryable; after it (or a body that cannot be read), a POST's
// outcome is unknown, a GET's is Retryable. ctx cancellation is reported
// wrapping ctx.Err().
func do(ctx context.Context, client *http.Client, op, method, url string, header http.Header, body []byte) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, url, rd)
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, transportError(ctx, op, method, wrote.Load(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, transportError(ctx, op, method, true, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// transportError classifies a failure to get an answer.
func transportError(ctx context.Context, op, method string, sent bool, err error) error {
	if ce := ctx.Err(); ce != nil && !sent {
		// Nothing reached the platform: plain cancellation.
		return &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("%w (request not sent)", ce)}
	}
	if sent && method != http.MethodGet {
		return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: fmt.Errorf("no answer after the request was sent: %w", err)}
	}
	return &content.Error{Class: content.Retryable, Op: op, Err: err}
}

// classify turns a non-2xx answer into an error of the taxonomy. now is
// the time Retry-After dates and reset times are measured from; reset
// is the platform's own reset header name ("" for none), read when
// Retry-After is absent.
func classify(op string, r *response, parse errorParser, now time.Time, reset string) error {
	msg, field := "", ""
	if looksJSON(r.body) && parse != nil {
		msg, field = parse(r.body)
	}
	if msg == "" {
		msg = snippet(r.body)
	}
	cause := fmt.Errorf("status %d: %s", r.status, msg)
	switch {
	case r.status == http.StatusTooManyRequests:
		return &content.Error{Class: content.RateLimited, Op: op, RetryAfter: retryAfter(r.header, now, reset), Err: cause}
	case r.status == http.StatusUnauthorized:
		return &content.Error{Class: content.AuthExpired, Op: op, Err: cause}
	case r.status == http.StatusBadRequest || r.status == http.StatusUnprocessableEntity:
		if field == "" {
			field = "text"
		}
		return &content.Error{Class: content.InvalidContent, Op: op, Field: field, Err: cause}
	case r.status == http.StatusNotFound:
		return &content.Error{Class: content.NotFound, Op: op, Err: cause}
	case r.status >= 500:
		return &content.Error{Class: content.Retryable, Op: op, Err: cause}
	default:
		return &content.Error{Class: content.Permanent, Op: op, Err: cause}
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date, else the reset
// header as Unix seconds; 0 when neither says.
func retryAfter(h http.Header, now time.Time, reset string) time.Duration {
	if d, ok := httpreply.RetryAfter(h.Get("Retry-After"), now, 0); ok {
		return d
	}
	if reset != "" {
		if d, ok := httpreply.Until(h.Get(reset), now, 0); ok {
			return d
		}
	}
	return 0
}

// looksJSON reports whether b starts like a JSON object.
func looksJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// snippet returns the start of a body for an error message.
func snippet(b []byte) string {
	s := httpreply.Cut(strings.TrimSpace(string(b)), 200, "…")
	if s == "" {
		return "empty body"
	}
	return s
}

// unreadable is the error of a 2xx answer whose body cannot be read:
// the platform acted, but we cannot tell on what.
func unreadable(op string, err error) error {
	return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: fmt.Errorf("unreadable answer: %w", err)}
}

// ctxErr returns ctx's error as a classified error wrapping it, or nil.
func ctxErr(op string, ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	return nil
}

// errNoBody is reported for a 2xx answer without the expected id.
var errNoBody = errors.New("answer has no id")
