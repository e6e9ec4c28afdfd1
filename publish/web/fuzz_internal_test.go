package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// The fuzz targets of the parsers of the platform's answers: 2xx bodies,
// error bodies and Retry-After. The seed corpora are in
// testdata/fuzz/FuzzXxx.

// fuzzNow is the clock of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 26, 7, 33, 20, 0, time.UTC)

// wire returns s as it comes back from a JSON round trip: each byte of an
// invalid UTF-8 sequence becomes U+FFFD.
func wire(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// checkSummary checks summarise's account of an answer: bounded, valid
// UTF-8 when the body is, and never the markup of an HTML page.
func checkSummary(t *testing.T, r *response) {
	t.Helper()
	s := summarise(r)
	if s == "" && (len(bytes.TrimSpace(r.body)) > 0 || http.StatusText(r.status) != "") {
		t.Fatalf("empty summary of %q", r.body)
	}
	if utf8.Valid(r.body) && utf8.ValidString(r.header.Get("Content-Type")) && !utf8.ValidString(s) {
		t.Fatalf("valid UTF-8 answer, invalid UTF-8 summary %q", s)
	}
	html := strings.Contains(r.header.Get("Content-Type"), "html") || bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("<"))
	if html {
		if want := fmt.Sprintf("non-JSON answer (%s, %d bytes)", r.header.Get("Content-Type"), len(r.body)); s != want {
			t.Fatalf("summary of an HTML answer %q, want %q", s, want)
		}
	} else if len(s) > 200+len("...") && len(s) > len(http.StatusText(r.status)) {
		t.Fatalf("summary of %d bytes", len(s))
	}
}

// FuzzDecode feeds arbitrary 2xx answers to decode, for a write and for a
// read, into a post and into a list: an answer that does not decode is
// OutcomeUnknown for a write and Permanent for a read, wraps the JSON
// error and quotes a bounded summary; the body is not changed; an answer
// that decodes into one type decodes the same with encoding/json; and a
// post built around the body as its id decodes to that id.
func FuzzDecode(f *testing.F) {
	f.Add(201, []byte(`{"id":"post_1","url":"https://breathscape.example/blog/spring","slug":"spring","version":1,"status":"published","updated_at":"2026-11-20T09:00:00Z"}`), "application/json", true)
	f.Add(200, []byte(`{"data":[{"id":"post_1","slug":"spring","version":3}]}`), "application/json; charset=utf-8", false)
	f.Add(200, []byte(`{"data":[]}`), "application/json", false)
	f.Add(200, []byte(`{"id":"post_1","url":"ht`), "application/json", true)
	f.Add(200, []byte(`<html><body>Welcome</body></html>`), "text/html", true)
	f.Add(201, []byte(``), "", true)
	f.Add(200, []byte(`{"id":1,"version":"2"}`), "application/json", false)
	f.Add(200, []byte(`{"updated_at":"yesterday"}`), "application/json", true)
	f.Add(200, []byte(`{"version":99999999999999999999}`), "", true)
	f.Add(200, []byte(strings.Repeat("x", 199)+"€ and the rest"), "text/plain", true)
	f.Add(204, []byte("\xff\xfe{"), "application/json", false)
	f.Fuzz(func(t *testing.T, status int, body []byte, contentType string, write bool) {
		r := &response{status: status, header: http.Header{}, body: body}
		if contentType != "" {
			r.header.Set("Content-Type", contentType)
		}
		c := call{op: "web: fuzz", method: http.MethodGet, url: "http://127.0.0.1/v1/posts", write: write}
		orig := bytes.Clone(body)
		checkSummary(t, r)

		var got post
		var list struct {
			Data []post `json:"data"`
		}
		for _, v := range []any{&got, &list} {
			err := decode(c, r, v)
			if !bytes.Equal(body, orig) {
				t.Fatalf("decode changed the body")
			}
			var want any = &post{}
			if _, ok := v.(*post); !ok {
				want = &struct {
					Data []post `json:"data"`
				}{}
			}
			jerr := json.Unmarshal(body, want)
			if (err == nil) != (jerr == nil) {
				t.Fatalf("decode: %v; encoding/json: %v", err, jerr)
			}
			if err == nil {
				a, _ := json.Marshal(v)
				b, _ := json.Marshal(want)
				if !bytes.Equal(a, b) {
					t.Fatalf("decoded %s, encoding/json %s", a, b)
				}
				continue
			}
			var ce *content.Error
			if !errors.As(err, &ce) {
				t.Fatalf("not a *content.Error: %v", err)
			}
			wantClass := content.Permanent
			if write {
				wantClass = content.OutcomeUnknown
			}
			if ce.Class != wantClass || ce.Op != c.op || ce.Field != "" || ce.RetryAfter != 0 {
				t.Fatalf("write %v: %+v", write, ce)
			}
			if errors.Unwrap(ce.Err) == nil || errors.Unwrap(ce.Err).Error() != jerr.Error() {
				t.Fatalf("cause %v does not wrap %v", ce.Err, jerr)
			}
			if prefix := fmt.Sprintf("malformed answer (http %d, %s): ", status, summarise(r)); !strings.HasPrefix(ce.Err.Error(), prefix) {
				t.Fatalf("cause %q", ce.Err)
			}
		}

		// The body as the id of a post comes back whole.
		r.body, _ = json.Marshal(map[string]any{"id": string(body), "version": len(body), "status": "published"})
		got = post{}
		if err := decode(c, r, &got); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		if got.ID != wire(string(body)) || got.Version != len(body) || got.Status != "published" {
			t.Fatalf("decoded %+v from %s", got, r.body)
		}
	})
}

// FuzzStatusError feeds arbitrary non-2xx answers to statusError: the
// class follows the status as documented, only a 429 has a wait and it
// is not negative, a refusal names the body's field or the default, and
// a valid UTF-8 answer gives a valid UTF-8 message.
func FuzzStatusError(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":"rate_limited","message":"slow down"}}`), "12", "application/json", "")
	f.Add(429, []byte(``), "Wed, 21 Oct 2015 07:28:00 GMT", "", "")
	f.Add(429, []byte(`{}`), "99999999999", "application/json", "")
	f.Add(400, []byte(`{"error":{"code":"invalid_field","message":"too many tags","field":"tags"}}`), "", "application/json", "title")
	f.Add(409, []byte(`{"error":{"code":"slug_conflict"}}`), "", "application/json", "slug")
	f.Add(422, []byte(`{"error":{"code":5,"field":"publish_at"}}`), "", "application/json", "")
	f.Add(401, []byte(`{"error":{"code":"token_expired","message":"expired"}}`), "", "application/json", "")
	f.Add(502, []byte(`<html><body><h1>502 Bad Gateway</h1></body></html>`), "", "text/html", "")
	f.Add(500, []byte("x"+strings.Repeat("ü", 100)), "", "text/plain", "")
	f.Add(404, []byte(`{"error":null}`), "", "", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, ra, contentType, defaultField string) {
		r := &response{status: status, header: http.Header{}, body: body}
		if ra != "" {
			r.header.Set("Retry-After", ra)
		}
		if contentType != "" {
			r.header.Set("Content-Type", contentType)
		}
		checkSummary(t, r)
		err := statusError("web: fuzz", r, defaultField, fuzzNow)
		var ce *content.Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a *content.Error: %v", err)
		}
		var want content.ErrorClass
		switch {
		case status == 429:
			want = content.RateLimited
		case status == 401:
			want = content.AuthExpired
		case status == 400 || status == 409 || status == 422:
			want = content.InvalidContent
		case status == 404:
			want = content.NotFound
		case status >= 500:
			want = content.Retryable
		default:
			want = content.Permanent
		}
		if ce.Class != want || ce.Op != "web: fuzz" {
			t.Fatalf("status %d: class %s, want %s", status, ce.Class, want)
		}
		if ce.RetryAfter < 0 || (want != content.RateLimited && ce.RetryAfter != 0) {
			t.Fatalf("status %d: wait %v", status, ce.RetryAfter)
		}
		if want == content.RateLimited && ce.RetryAfter != retryAfter(ra, fuzzNow) {
			t.Fatalf("wait %v, Retry-After %q", ce.RetryAfter, ra)
		}
		var ae apiError
		_ = json.Unmarshal(body, &ae)
		switch {
		case want != content.InvalidContent:
			if ce.Field != "" {
				t.Fatalf("status %d: field %q", status, ce.Field)
			}
		case ae.Error.Field != "":
			if ce.Field != ae.Error.Field {
				t.Fatalf("field %q, the body says %q", ce.Field, ae.Error.Field)
			}
		case ce.Field != defaultField:
			t.Fatalf("field %q, want the default %q", ce.Field, defaultField)
		}
		msg := ce.Err.Error()
		if !strings.HasPrefix(msg, fmt.Sprintf("http %d: ", status)) {
			t.Fatalf("cause %q", msg)
		}
		if utf8.Valid(body) && utf8.ValidString(contentType) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 answer, invalid UTF-8 message %q", msg)
		}
	})
}
