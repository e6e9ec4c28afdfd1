package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/httpreply"
)

// maxErrorSnippet caps how much of a response body an error quotes.
const maxErrorSnippet = 200

// ClassifyHTTP turns the outcome of one HTTP call into the error taxonomy.
// It returns nil only for a 2xx response with a nil err.
//
//   - err != nil and resp == nil: a transport failure. If the request was
//     (possibly) sent, the platform may have acted: OutcomeUnknown;
//     otherwise Retryable. sent must be true when any byte of the request
//     may have reached the server (see TrackSent).
//   - a 2xx resp with err != nil (the body could not be read or decoded,
//     such as truncated JSON): the platform accepted the request but its
//     answer is unreadable: OutcomeUnknown.
//   - 429: RateLimited, RetryAfter from the Retry-After header (seconds or
//     HTTP date), or from x-rate-limit-reset.
//   - 401, and 403 whose body mentions an expired or invalid token:
//     AuthExpired.
//   - 400 and 422: InvalidContent, with Field taken from a JSON "field" or
//     "param" member of the body when there is one.
//   - 404: NotFound. 408, 5xx: Retryable. Anything else: Permanent.
//
// The error quotes a short, sanitised snippet of body, never all of it.
func ClassifyHTTP(op string, resp *http.Response, body []byte, err error, sent bool) error {
	if resp == nil {
		if err == nil {
			return nil
		}
		if sent {
			return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: fmt.Errorf("request sent, no answer: %w", err)}
		}
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		if err == nil {
			return nil
		}
		return &content.Error{Class: content.OutcomeUnknown, Op: op,
			Err: fmt.Errorf("status %d with unreadable answer %q: %w", code, snippet(body), err)}
	}
	cause := fmt.Errorf("status %d: %s", code, snippet(body))
	if err != nil {
		cause = fmt.Errorf("status %d: %s: %w", code, snippet(body), err)
	}
	e := &content.Error{Op: op, Err: cause}
	switch {
	case code == http.StatusTooManyRequests:
		e.Class = content.RateLimited
		e.RetryAfter = RetryAfter(resp.Header, time.Now())
	case code == http.StatusUnauthorized:
		e.Class = content.AuthExpired
	case code == http.StatusForbidden && mentionsToken(body):
		e.Class = content.AuthExpired
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		e.Class = content.InvalidContent
		e.Field = fieldOf(body)
	case code == http.StatusNotFound:
		e.Class = content.NotFound
	case code == http.StatusRequestTimeout || code >= 500:
		e.Class = content.Retryable
	default:
		e.Class = content.Permanent
	}
	return e
}

// RetryAfter reads how long a response asks the client to wait: the
// Retry-After header as delay-seconds or an HTTP date, at most a day
// (a longer wait is cut to a day), else x-rate-limit-reset as a Unix time
// in seconds. A negative delay is unreadable. It returns 0 when neither
// is present, valid and in the future.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := httpreply.RetryAfter(h.Get("Retry-After"), now, 24*time.Hour); ok {
		return d
	}
	d, _ := httpreply.Until(h.Get("X-Rate-Limit-Reset"), now, 0)
	return d
}

// TrackSent returns req with a trace hook and a function that reports
// whether any of the request may have reached the server (the connection
// was obtained and writing began). Pass its answer as ClassifyHTTP's sent.
func TrackSent(req *http.Request) (*http.Request, func() bool) {
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { sent.Store(true) },
		WroteHeaders: func() { sent.Store(true) },
	}
	ctx := httptrace.WithClientTrace(req.Context(), trace)
	return req.WithContext(ctx), sent.Load
}

// IsTimeout reports whether err is a timeout or a cancelled context.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// snippet returns the start of body, valid UTF-8, on one line.
func snippet(body []byte) string {
	if len(body) > maxErrorSnippet {
		body = body[:maxErrorSnippet]
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "")), " ")
}

// mentionsToken reports whether an error body speaks of a bad token.
func mentionsToken(body []byte) bool {
	b := strings.ToLower(string(body[:min(len(body), 4096)]))
	return strings.Contains(b, "token") && (strings.Contains(b, "expired") || strings.Contains(b, "invalid"))
}

// fieldOf finds the field an error body names: a top-level or nested
// "field" or "param" string member. It returns "" for anything else,
// malformed JSON included.
func fieldOf(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return findField(v, 0)
}

func findField(v any, depth int) string {
	if depth > 4 {
		return ""
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range []string{"field", "param", "parameter"} {
			if s, ok := t[k].(string); ok && s != "" {
				return s
			}
		}
		for _, k := range []string{"error", "errors", "detail", "details"} {
			if f := findField(t[k], depth+1); f != "" {
				return f
			}
		}
	case []any:
		for _, x := range t {
			if f := findField(x, depth+1); f != "" {
				return f
			}
		}
	}
	return ""
}
