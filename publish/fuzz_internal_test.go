package publish

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// The fuzz targets of the parsers of platforms' answers shared by the
// publishers: ClassifyHTTP (and the error body's field), RetryAfter and
// the x-rate-limit headers. The seed corpora are in testdata/fuzz/FuzzXxx.

// fuzzNow is the clock of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 26, 7, 33, 20, 0, time.UTC)

// FuzzRetryAfter feeds arbitrary Retry-After and x-rate-limit-reset values
// to RetryAfter: the wait is never negative; delay-seconds are read
// exactly up to the documented day, an HTTP date as the time until it,
// and with no Retry-After a reset in the future is a positive wait and
// one in the past none.
func FuzzRetryAfter(f *testing.F) {
	resetIn := strconv.FormatInt(fuzzNow.Add(15*time.Minute).Unix(), 10)
	f.Add("7", "")
	f.Add(" 30 ", resetIn)
	f.Add("0", resetIn)
	f.Add("-5", resetIn)
	f.Add("+5", "")
	f.Add("soon", resetIn)
	f.Add(fuzzNow.Add(90*time.Second).Format(http.TimeFormat), "")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add("Sunday, 06-Nov-94 08:49:37 GMT", "")
	f.Add("Sun Nov  6 08:49:37 1994", "")
	f.Add("Fri, 31 Dec 9999 23:59:59 GMT", "")
	f.Add("99999999999", "")
	f.Add("9223372036854775807", "")
	f.Add("", resetIn)
	f.Add("", "1795608060")
	f.Add("", "1000000000")
	f.Add("", "9223372036854775807")
	f.Add("", "-9223372036854775808")
	f.Add("", "1.7e9")
	f.Fuzz(func(t *testing.T, ra, reset string) {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		if reset != "" {
			h.Set("X-Rate-Limit-Reset", reset)
		}
		got := RetryAfter(h, fuzzNow)
		if got < 0 {
			t.Fatalf("Retry-After %q, reset %q: negative wait %v", ra, reset, got)
		}
		if again := RetryAfter(h, fuzzNow); again != got {
			t.Fatalf("not deterministic: %v then %v", got, again)
		}
		v := strings.TrimSpace(ra)
		secs, errSecs := strconv.ParseInt(v, 10, 64)
		date, errDate := http.ParseTime(v)
		switch {
		case v != "" && errSecs == nil && secs >= 0:
			if want := time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second; got != want {
				t.Fatalf("Retry-After %q: %v, want %v", ra, got, want)
			}
			return
		case v != "" && errDate == nil:
			if want := min(max(date.Sub(fuzzNow), 0), 24*time.Hour); got != want {
				t.Fatalf("Retry-After %q: %v, want %v", ra, got, want)
			}
			return
		}
		// No usable Retry-After: the reset header decides.
		r, err := strconv.ParseInt(strings.TrimSpace(reset), 10, 64)
		switch {
		case err != nil:
			if got != 0 {
				t.Fatalf("no usable header (%q, %q): %v", ra, reset, got)
			}
		case r > fuzzNow.Unix() && got <= 0:
			t.Fatalf("reset %q is in the future, wait %v", reset, got)
		case r <= fuzzNow.Unix() && got != 0:
			t.Fatalf("reset %q is past, wait %v", reset, got)
		case r > fuzzNow.Unix() && r-fuzzNow.Unix() < int64(1<<63-1)/int64(time.Second) && got != time.Duration(r-fuzzNow.Unix())*time.Second:
			t.Fatalf("reset %q: %v, want %ds", reset, got, r-fuzzNow.Unix())
		}
	})
}

// FuzzObserveRateHeaders feeds arbitrary x-rate-limit-remaining and
// x-rate-limit-reset values to ObserveRateHeaders: only an exhausted
// quota with a readable reset pauses the key; a reset in the future
// pauses it until then, but never past MaxPause from now; one in the past
// does not hold it.
func FuzzObserveRateHeaders(f *testing.F) {
	in := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	f.Add("0", in(10*time.Minute))
	f.Add("0", in(time.Hour))
	f.Add("1", in(10*time.Minute))
	f.Add(" 0 ", in(-time.Minute))
	f.Add("-1", in(5*time.Minute))
	f.Add("0", "")
	f.Add("", in(time.Minute))
	f.Add("zero", in(time.Minute))
	f.Add("0", "9223372036854775807")
	f.Add("0", "-9223372036854775808")
	f.Add("0", "1e10")
	f.Fuzz(func(t *testing.T, remaining, reset string) {
		const maxPause = 10 * time.Minute
		r := WithRateLimit(nil, Limits{MaxPause: maxPause})
		h := http.Header{}
		h.Set("X-Rate-Limit-Remaining", remaining)
		h.Set("X-Rate-Limit-Reset", reset)
		before := time.Now()
		r.ObserveRateHeaders("x|acct", h)
		after := time.Now()
		var until time.Time
		if k, ok := r.keys["x|acct"]; ok {
			until = k.pausedUntil
		}
		if until.After(after.Add(maxPause)) {
			t.Fatalf("paused until %v, past MaxPause (%v)", until, after.Add(maxPause))
		}
		rem, err1 := strconv.Atoi(strings.TrimSpace(remaining))
		s, err2 := strconv.ParseInt(strings.TrimSpace(reset), 10, 64)
		if err1 != nil || rem > 0 || err2 != nil {
			if !until.IsZero() {
				t.Fatalf("remaining %q, reset %q: paused until %v", remaining, reset, until)
			}
			return
		}
		switch {
		case s > after.Unix()+int64(maxPause/time.Second)+1:
			if until.Before(before.Add(maxPause)) {
				t.Fatalf("reset %q far ahead: paused until %v, want about %v", reset, until, before.Add(maxPause))
			}
		case s > after.Unix()+1 && s < before.Unix()+int64(maxPause/time.Second):
			if !until.Equal(time.Unix(s, 0)) {
				t.Fatalf("reset %q: paused until %v, want %v", reset, until, time.Unix(s, 0))
			}
		case s < before.Unix():
			if until.After(before) {
				t.Fatalf("reset %q is past: paused until %v", reset, until)
			}
		}
	})
}

// FuzzClassifyHTTP feeds arbitrary answers to ClassifyHTTP: a 2xx answer
// is nil, or OutcomeUnknown when it could not be read; otherwise the
// class follows the status as documented, only a 429 has a wait and it
// is not negative, a refusal names the body's field, and the message
// quotes at most maxErrorSnippet bytes of the body, as one line of valid
// UTF-8.
func FuzzClassifyHTTP(f *testing.F) {
	f.Add(201, []byte(`{"data":{"id":"1861234567890123456","text":"hello"}}`), "", false)
	f.Add(200, []byte(`{"id": "x`), "", true)
	f.Add(429, []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`), "7", false)
	f.Add(429, []byte(``), "99999999999", false)
	f.Add(401, []byte(`{"error":"token expired"}`), "", false)
	f.Add(403, []byte(`{"error":{"message":"Access token has expired","type":"OAuthException","code":190}}`), "", false)
	f.Add(403, []byte(`{"error":"not allowed"}`), "", false)
	f.Add(400, []byte(`{"errors":[{"field":"text","message":"too long"}]}`), "", false)
	f.Add(422, []byte(`{"error":{"details":[{"errors":[{"param":"media_url"}]}]}}`), "", false)
	f.Add(422, []byte(`{"error":{"error":{"error":{"error":{"error":{"field":"deep"}}}}}}`), "", false)
	f.Add(502, []byte("<html>\n<h1>502 Bad Gateway</h1>\n</html>"), "", false)
	f.Add(500, []byte(strings.Repeat("é", 150)+"\xff\n\t"), "", true)
	f.Fuzz(func(t *testing.T, status int, body []byte, ra string, readErr bool) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if ra != "" {
			resp.Header.Set("Retry-After", ra)
		}
		var cause error
		if readErr {
			cause = errors.New("unexpected EOF")
		}
		err := ClassifyHTTP("fuzz: op", resp, body, cause, true)
		ok := status >= 200 && status < 300
		if ok && cause == nil {
			if err != nil {
				t.Fatalf("status %d: %v", status, err)
			}
			return
		}
		var ce *content.Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a *content.Error: %v", err)
		}
		if cause != nil && !errors.Is(err, cause) {
			t.Fatalf("%v does not wrap %v", err, cause)
		}
		var want content.ErrorClass
		switch {
		case ok:
			want = content.OutcomeUnknown
		case status == 429:
			want = content.RateLimited
		case status == 401:
			want = content.AuthExpired
		case status == 403 && mentionsToken(body):
			want = content.AuthExpired
		case status == 400 || status == 422:
			want = content.InvalidContent
		case status == 404:
			want = content.NotFound
		case status == 408 || status >= 500:
			want = content.Retryable
		default:
			want = content.Permanent
		}
		if ce.Class != want || ce.Op != "fuzz: op" {
			t.Fatalf("status %d: class %s, want %s", status, ce.Class, want)
		}
		if ce.RetryAfter < 0 || (want != content.RateLimited && ce.RetryAfter != 0) {
			t.Fatalf("status %d: wait %v", status, ce.RetryAfter)
		}
		if want == content.InvalidContent && ce.Field != fieldOf(body) || want != content.InvalidContent && ce.Field != "" {
			t.Fatalf("status %d: field %q", status, ce.Field)
		}
		s := snippet(body)
		if len(s) > maxErrorSnippet || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") || s != strings.TrimSpace(s) {
			t.Fatalf("snippet %q", s)
		}
		if ok {
			s = strconv.Quote(s) // quoted after a 2xx
		}
		if !strings.Contains(ce.Error(), s) {
			t.Fatalf("%q does not quote %q", ce.Error(), s)
		}
	})
}

// FuzzFieldOf feeds arbitrary bodies to fieldOf: a body that is not JSON
// names no field, and a field named is valid UTF-8 and a "field",
// "param" or "parameter" string member of the body; a field built into
// an error body is found.
func FuzzFieldOf(f *testing.F) {
	f.Add([]byte(`{"errors":[{"field":"text","message":"too long"}]}`), "text")
	f.Add([]byte(`{"error":{"param":"media_url","message":"bad"}}`), "media_url")
	f.Add([]byte(`{"detail":{"parameter":"publish_at"}}`), "publish_at")
	f.Add([]byte(`{"field":""}`), "")
	f.Add([]byte(`{"field":5,"param":"p"}`), "p")
	f.Add([]byte(`[{"field":"x"}]`), "x")
	f.Add([]byte(`{"error":{"error":{"error":{"error":{"error":{"field":"deep"}}}}}}`), "deep")
	f.Add([]byte(`{"field":"\ud800"}`), "\xff")
	f.Add([]byte(`<html>`), "")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		field := fieldOf(body)
		if again := fieldOf(body); again != field {
			t.Fatalf("not deterministic: %q then %q", field, again)
		}
		if !json.Valid(body) && field != "" {
			t.Fatalf("invalid JSON named field %q", field)
		}
		if !utf8.ValidString(field) {
			t.Fatalf("invalid UTF-8 field %q", field)
		}
		if field != "" {
			quoted, _ := json.Marshal(field)
			var v any
			_ = json.Unmarshal(body, &v)
			re, _ := json.Marshal(v) // the body with its strings escaped one way
			if !strings.Contains(string(re), string(quoted)) {
				t.Fatalf("field %q is not a string of %s", field, body)
			}
		}

		// name as the field of a refusal, at each depth searched.
		var want string
		q, _ := json.Marshal(name)
		_ = json.Unmarshal(q, &want)
		wrapped := map[string]any{"field": name}
		for depth, key := range []string{"error", "errors", "detail", "details", ""} {
			b, err := json.Marshal(wrapped)
			if err != nil {
				t.Fatal(err)
			}
			if got := fieldOf(b); got != want {
				t.Fatalf("depth %d, %s: field %q, want %q", depth, b, got, want)
			}
			wrapped = map[string]any{key: wrapped}
		}
	})
}
