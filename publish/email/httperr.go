package email

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/httpreply"
)

// maxResponse caps the response body the CRM client reads.
const maxResponse = 4 << 20

// apiError is the CRM's error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// classifyStatus turns a non-2xx response into a *content.Error.
func classifyStatus(op string, resp *http.Response, body []byte, now time.Time) *content.Error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // an HTML error page leaves it empty
	msg := ae.Error.Message
	if msg == "" {
		msg = snippet(body)
	}
	cause := fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	e := &content.Error{Op: op, Err: cause}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.Class = content.RateLimited
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	case s == http.StatusUnauthorized, s == http.StatusForbidden && ae.Error.Code == "token_expired":
		e.Class = content.AuthExpired
	case s == http.StatusBadRequest, s == http.StatusUnprocessableEntity:
		e.Class = content.InvalidContent
		e.Field = ae.Error.Field
	case s == http.StatusNotFound:
		e.Class = content.NotFound
	case s == http.StatusRequestTimeout, s == http.StatusGatewayTimeout:
		// The request reached the server, which may have acted on it
		// (a write; CRM.do makes a read Retryable).
		e.Class = content.OutcomeUnknown
	case s >= 500:
		e.Class = content.Retryable
	default:
		e.Class = content.Permanent
	}
	return e
}

// classifyTransport classifies a failed round trip. sent tells whether the
// request could have taken effect (a POST); a failure to connect is always
// Retryable, a timeout after a POST was written OutcomeUnknown.
func classifyTransport(op string, err error, sent bool) *content.Error {
	var op2 *net.OpError
	if errors.As(err, &op2) && op2.Op == "dial" {
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	if sent {
		return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: err}
	}
	return &content.Error{Class: content.Retryable, Op: op, Err: err}
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date;
// 0 when absent or malformed.
func parseRetryAfter(v string, now time.Time) time.Duration {
	d, _ := httpreply.RetryAfter(v, now, 0)
	return d
}

// readBody reads a bounded response body.
func readBody(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, maxResponse))
}

// snippet returns the start of a body for an error message.
func snippet(b []byte) string {
	return httpreply.Cut(strings.TrimSpace(string(b)), 120, "...")
}
