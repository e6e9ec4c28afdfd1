package email

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// The fuzz targets of the parsers of the CRM's answers: Retry-After,
// bodies and error bodies. The seed corpora are in testdata/fuzz/FuzzXxx.

// fuzzNow is the clock of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 26, 7, 33, 20, 0, time.UTC)

// repeatReader yields a body over and over, n bytes in all, then fails.
type repeatReader struct {
	block []byte // the body repeated, to copy it in large reads
	off   int
	n     int
}

var errAfterCap = errors.New("connection reset after the cap")

func newRepeatReader(data []byte, n int) *repeatReader {
	return &repeatReader{block: bytes.Repeat(data, 1+(64<<10)/len(data)), n: n}
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errAfterCap
	}
	k := copy(p[:min(len(p), r.n)], r.block[r.off:])
	r.off = (r.off + k) % len(r.block)
	r.n -= k
	return k, nil
}

// FuzzReadBody feeds arbitrary bodies to readBody, read whole, a byte at
// a time, with the last bytes and io.EOF together, broken off with an
// error, and repeated past the cap: a body within the cap comes back
// whole, a failure before the cap is an error, and a longer body is cut
// at the cap without an error, whatever follows it.
func FuzzReadBody(f *testing.F) {
	f.Add([]byte(`{"id":"b_1","status":"queued"}`), uint16(3), false)
	f.Add([]byte(`{"error":{"code":"rate_limited","message":"slow down"}}`), uint16(0), false)
	f.Add([]byte(""), uint16(0), false)
	f.Add([]byte("<html>"+strings.Repeat("x", 4096)+"</html>"), uint16(100), true)
	f.Add([]byte("\x00\xff"), uint16(1), true)
	f.Fuzz(func(t *testing.T, data []byte, failAt uint16, endless bool) {
		for name, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(data),
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			got, err := readBody(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(data))
			}
		}
		k := int(failAt) % (len(data) + 1)
		fail := errors.New("connection reset")
		got, err := readBody(io.MultiReader(bytes.NewReader(data[:k]), iotest.ErrReader(fail)))
		if !errors.Is(err, fail) || !bytes.Equal(got, data[:k]) {
			t.Fatalf("broken off after %d bytes: %d bytes, %v", k, len(got), err)
		}
		if !endless || len(data) == 0 {
			return
		}
		got, err = readBody(newRepeatReader(data, maxResponse+int(failAt)))
		if err != nil || len(got) != maxResponse {
			t.Fatalf("endless body: %d bytes, %v; want the cap, %d", len(got), err, maxResponse)
		}
		// The body over and over: its first len(data) bytes, then a
		// period of len(data).
		p := min(len(data), len(got))
		if !bytes.Equal(got[:p], data[:p]) || !bytes.Equal(got[p:], got[:len(got)-p]) {
			t.Fatalf("endless body: not the body repeated")
		}
	})
}

// FuzzClassifyStatus feeds arbitrary non-2xx answers to classifyStatus:
// the class follows the status (and the CRM's error code) as documented,
// only a 429 has a wait, which parseRetryAfter read, a refusal names the
// body's field, and the message is the CRM's or a bounded snippet, valid
// UTF-8 when the body is.
func FuzzClassifyStatus(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":"rate_limited","message":"Too many requests"}}`), "1")
	f.Add(429, []byte(`{}`), "99999999999")
	f.Add(403, []byte(`{"error":{"code":"token_expired","message":"The access token expired"}}`), "")
	f.Add(403, []byte(`{"error":{"code":"forbidden","message":"No access to list 7"}}`), "")
	f.Add(422, []byte(`{"error":{"code":"invalid","message":"subject is required","field":"subject"}}`), "")
	f.Add(400, []byte(`{"error":{"code":1,"field":"html"}}`), "")
	f.Add(504, []byte("<html><body>Gateway Timeout</body></html>"), "")
	f.Add(502, []byte(strings.Repeat("a", 119)+"ß"+strings.Repeat("b", 10)), "")
	f.Add(500, []byte(strings.Repeat("€", 41)), "")
	f.Add(404, []byte(``), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, ra string) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if ra != "" {
			resp.Header.Set("Retry-After", ra)
		}
		ce := classifyStatus("email-crm: fuzz", resp, body, fuzzNow)
		if ce == nil {
			t.Fatal("nil error")
		}
		var ae apiError
		_ = json.Unmarshal(body, &ae)
		var want content.ErrorClass
		switch {
		case status == 429:
			want = content.RateLimited
		case status == 401, status == 403 && ae.Error.Code == "token_expired":
			want = content.AuthExpired
		case status == 400, status == 422:
			want = content.InvalidContent
		case status == 404:
			want = content.NotFound
		case status == 408, status == 504:
			want = content.OutcomeUnknown
		case status >= 500:
			want = content.Retryable
		default:
			want = content.Permanent
		}
		if ce.Class != want || ce.Op != "email-crm: fuzz" {
			t.Fatalf("status %d: class %s, want %s", status, ce.Class, want)
		}
		if wait := parseRetryAfter(ra, fuzzNow); want == content.RateLimited && ce.RetryAfter != wait || want != content.RateLimited && ce.RetryAfter != 0 {
			t.Fatalf("status %d, Retry-After %q: wait %v", status, ra, ce.RetryAfter)
		}
		if wantField := map[bool]string{true: ae.Error.Field}[want == content.InvalidContent]; ce.Field != wantField {
			t.Fatalf("status %d: field %q, want %q", status, ce.Field, wantField)
		}
		prefix := fmt.Sprintf("status %d: ", status)
		msg := ce.Err.Error()
		if !strings.HasPrefix(msg, prefix) {
			t.Fatalf("cause %q", msg)
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body, invalid UTF-8 message %q", msg)
		}
		if ae.Error.Message == "" {
			if quoted := strings.TrimPrefix(msg, prefix); len(quoted) > 120+len("...") {
				t.Fatalf("snippet of %d bytes", len(quoted))
			}
		} else if msg != prefix+ae.Error.Message {
			t.Fatalf("cause %q, the CRM said %q", msg, ae.Error.Message)
		}
	})
}
