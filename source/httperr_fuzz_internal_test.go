package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// The fuzz targets of the parsers of remote answers in httperr.go:
// Retry-After, bodies and error bodies. The seed corpora are in
// testdata/fuzz/FuzzXxx.

// fuzzNow is the clock of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 26, 7, 33, 20, 0, time.UTC)

// FuzzReadBody feeds arbitrary bodies and limits to readBody: a body of
// at most limit bytes comes back whole (read at once, a byte at a time,
// or with io.EOF alongside the last bytes), a longer one is refused as
// InvalidContent on field "body", and a failure to read before the limit
// is classified as transportError does (Retryable for a cut connection,
// Permanent for an unknown failure), a failure after it ignored.
func FuzzReadBody(f *testing.F) {
	f.Add([]byte(`{"object":"list","results":[],"has_more":false}`), int64(MaxDocumentSize), uint16(10), uint8(0))
	f.Add([]byte(`{"title":"T","body":{"content":[]}}`), int64(34), uint16(0), uint8(1))
	f.Add([]byte(`{"title":"T","body":{"content":[]}}`), int64(35), uint16(35), uint8(2))
	f.Add([]byte("# Notes\n\n- item\n"), int64(1), uint16(1), uint8(0))
	f.Add([]byte(""), int64(0), uint16(0), uint8(0))
	f.Add([]byte("x"), int64(0), uint16(0), uint8(1))
	f.Add([]byte("x"), int64(-1), uint16(0), uint8(0))
	f.Add([]byte("body"), int64(math.MaxInt64), uint16(2), uint8(2))
	f.Add([]byte("body"), int64(math.MinInt64), uint16(2), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, limit int64, failAt uint16, kind uint8) {
		const op = "fuzz: read"
		fits := int64(len(data)) <= limit
		for name, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(data),
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			got, err := readBody(op, r, limit)
			if fits {
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("%s, limit %d: %d bytes, %v; want all %d", name, limit, len(got), err, len(data))
				}
				continue
			}
			var ce *content.Error
			if got != nil || !errors.As(err, &ce) || ce.Class != content.InvalidContent || ce.Field != "body" || ce.Op != op ||
				!strings.Contains(ce.Error(), fmt.Sprintf("larger than %d bytes", limit)) {
				t.Fatalf("%s: %d bytes over the limit %d: %d bytes, %v", name, len(data), limit, len(got), err)
			}
		}

		// Broken off after k bytes with an error of each kind.
		k := int(failAt) % (len(data) + 1)
		cause, class := error(io.ErrUnexpectedEOF), content.Retryable
		switch kind % 3 {
		case 1:
			cause, class = context.DeadlineExceeded, content.Retryable
		case 2:
			cause, class = errors.New("decompression failed"), content.Permanent
		}
		got, err := readBody(op, io.MultiReader(bytes.NewReader(data[:k]), iotest.ErrReader(cause)), limit)
		var ce *content.Error
		switch {
		case int64(k) > limit: // the limit is reached first
			if got != nil || !errors.As(err, &ce) || ce.Class != content.InvalidContent || ce.Field != "body" {
				t.Fatalf("%d bytes then %v, limit %d: %d bytes, %v", k, cause, limit, len(got), err)
			}
		default:
			if got != nil || !errors.Is(err, cause) || !errors.As(err, &ce) || ce.Class != class || ce.Op != op {
				t.Fatalf("%d bytes then %v, limit %d: %d bytes, %v", k, cause, limit, len(got), err)
			}
		}
	})
}

// FuzzStatusError feeds arbitrary non-2xx answers to statusError: the
// class follows the status as documented, only a 429 has a wait, which
// is within a day, and the message quotes at most errorSnippetSize bytes
// of the body as one printable, valid UTF-8 line.
func FuzzStatusError(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":429,"message":"Quota exceeded for quota metric 'Read requests'","status":"RESOURCE_EXHAUSTED"}}`), "30")
	f.Add(429, []byte(`{"object":"error","status":429,"code":"rate_limited","message":"You have been rate limited."}`), "99999999999")
	f.Add(401, []byte(`{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."}`), "")
	f.Add(403, []byte(`{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`), "")
	f.Add(404, []byte("<html>\r\n<head><title>404 Not Found</title></head>\r\n</html>"), "")
	f.Add(410, []byte(""), "")
	f.Add(413, []byte("\x00\x01\x1b[31mred\u200b\ufffd\xff"), "")
	f.Add(503, []byte(strings.Repeat("é", 200)), "")
	f.Add(302, []byte("moved\tto\n\nsomewhere"), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, ra string) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		if ra != "" {
			resp.Header.Set("Retry-After", ra)
		}
		ce := statusError("fuzz: get", resp, fuzzNow)
		var want content.ErrorClass
		switch {
		case status == 404, status == 410:
			want = content.NotFound
		case status == 401, status == 403:
			want = content.AuthExpired
		case status == 429:
			want = content.RateLimited
		case status == 408, status >= 500 && status <= 599:
			want = content.Retryable
		case status == 400, status == 413, status == 422:
			want = content.InvalidContent
		default:
			want = content.Permanent
		}
		if ce == nil || ce.Class != want || ce.Op != "fuzz: get" {
			t.Fatalf("status %d: %v, want class %s", status, ce, want)
		}
		if ce.RetryAfter < 0 || ce.RetryAfter > 24*time.Hour || (want != content.RateLimited && ce.RetryAfter != 0) ||
			(want == content.RateLimited && ce.RetryAfter != parseRetryAfter(ra, fuzzNow)) {
			t.Fatalf("status %d, Retry-After %q: wait %v", status, ra, ce.RetryAfter)
		}
		msg := ce.Err.Error()
		prefix := fmt.Sprintf("http status %d", status)
		quoted, ok := strings.CutPrefix(msg, prefix)
		if !ok {
			t.Fatalf("message %q", msg)
		}
		if quoted != "" {
			if quoted, ok = strings.CutPrefix(quoted, ": "); !ok || quoted == "" {
				t.Fatalf("message %q", msg)
			}
		}
		if len(quoted) > errorSnippetSize || !utf8.ValidString(quoted) {
			t.Fatalf("snippet of %d bytes, valid UTF-8 %v: %q", len(quoted), utf8.ValidString(quoted), quoted)
		}
		if quoted != strings.Join(strings.Fields(quoted), " ") {
			t.Fatalf("snippet %q is not one line of single-spaced words", quoted)
		}
		for _, r := range quoted {
			if r == utf8.RuneError || !unicode.IsPrint(r) {
				t.Fatalf("snippet %q holds %U", quoted, r)
			}
		}
		// Every word quoted is in the body.
		for _, w := range strings.Fields(quoted) {
			if !strings.ContainsRune(string(body), []rune(w)[0]) {
				t.Fatalf("snippet word %q not from the body", w)
			}
		}
	})
}
