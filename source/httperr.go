package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/httpreply"
)

// errorSnippetSize bounds how much of an error response body is quoted in
// an error message.
const errorSnippetSize = 256

// statusError classifies a non-2xx HTTP response: 404/410 NotFound,
// 401/403 AuthExpired, 429 RateLimited (with Retry-After), 408 and 5xx
// Retryable, 400/413/422 InvalidContent, anything else Permanent. It reads
// (a bounded part of) the body to quote the remote's message, and does not
// close it.
func statusError(op string, resp *http.Response, now time.Time) *content.Error {
	snippet := bodySnippet(resp.Body)
	var msg string
	if snippet == "" {
		msg = fmt.Sprintf("http status %d", resp.StatusCode)
	} else {
		msg = fmt.Sprintf("http status %d: %s", resp.StatusCode, snippet)
	}
	e := &content.Error{Class: classOfStatus(resp.StatusCode), Op: op, Err: errors.New(msg)}
	if e.Class == content.RateLimited {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// classOfStatus maps an HTTP status code to an error class.
func classOfStatus(code int) content.ErrorClass {
	switch {
	case code == http.StatusNotFound, code == http.StatusGone:
		return content.NotFound
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return content.AuthExpired
	case code == http.StatusTooManyRequests:
		return content.RateLimited
	case code == http.StatusRequestTimeout, code >= 500 && code <= 599:
		return content.Retryable
	case code == http.StatusBadRequest, code == http.StatusRequestEntityTooLarge,
		code == http.StatusUnprocessableEntity:
		return content.InvalidContent
	}
	return content.Permanent
}

// parseRetryAfter reads a Retry-After header given in seconds or as an
// HTTP date. It returns 0 when the header is absent, malformed or in the
// past, and at most a day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	d, _ := httpreply.RetryAfter(v, now, 24*time.Hour)
	return d
}

// bodySnippet returns the start of an error body as one printable line.
func bodySnippet(r io.Reader) string {
	if r == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(r, errorSnippetSize))
	s := strings.Map(func(r rune) rune {
		switch {
		case r == unicode.ReplacementChar:
			return -1
		case unicode.IsSpace(r):
			return ' '
		case !unicode.IsPrint(r):
			return -1
		}
		return r
	}, string(b))
	return strings.Join(strings.Fields(s), " ")
}

// transportError classifies a failed round trip: a refusal by the Guard is
// InvalidContent, a cancelled ctx is Permanent, an unknown host NotFound,
// and timeouts, deadlines and other network failures Retryable.
func transportError(op string, err error) *content.Error {
	var ce *content.Error
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.Is(err, ErrRefused):
		return &content.Error{Class: content.InvalidContent, Op: op, Field: "url", Err: err}
	case errors.Is(err, context.Canceled):
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return &content.Error{Class: content.NotFound, Op: op, Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	return &content.Error{Class: content.Permanent, Op: op, Err: err}
}

// readBody reads at most limit bytes of r, and fails with InvalidContent
// when there is more.
func readBody(op string, r io.Reader, limit int64) ([]byte, error) {
	n := limit
	if n < math.MaxInt64 {
		n++ // one byte past the limit tells a longer body; at MaxInt64, none can be
	}
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, transportError(op, fmt.Errorf("read body: %w", err))
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(op, limit)
	}
	return b, nil
}

// tooLarge is the error for a response over limit bytes.
func tooLarge(op string, limit int64) *content.Error {
	return &content.Error{
		Class: content.InvalidContent, Op: op, Field: "body",
		Err: fmt.Errorf("response larger than %d bytes", limit),
	}
}
