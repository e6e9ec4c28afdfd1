package social

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// The fuzz targets of the parsers of the platforms' answers: error
// bodies, Retry-After and reset headers, X-Business-Use-Case-Usage. The
// seed corpora are in testdata/fuzz/FuzzXxx.

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

// trimColonSpace trims what parseXError may trim around a part of its
// message: white space and colons.
func trimColonSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r == ':' || unicode.IsSpace(r) })
}

// FuzzParseXError feeds arbitrary bodies to parseXError: a body that is
// not JSON yields nothing; otherwise the message is valid UTF-8, trimmed
// of colons and spaces, and the field is one of the parameters named
// (the least non-empty one, so the result does not depend on map order).
func FuzzParseXError(f *testing.F) {
	f.Add([]byte(`{"errors":[{"parameters":{"text":["` + strings.Repeat("a", 300) + `"]},"message":"The text field is too long."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`))
	f.Add([]byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`))
	f.Add([]byte(`{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`))
	f.Add([]byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`))
	f.Add([]byte(`{"errors":[{"parameters":{"media.media_ids":["1"],"reply.in_reply_to_tweet_id":["2"]},"message":"bad ids"}],"title":"Invalid Request"}`))
	f.Add([]byte(`{"errors":[{"code":187,"message":"Status is a duplicate."}]}`))
	f.Add([]byte(`{"title":": :","detail":" : ","errors":[{"message":""}]}`))
	f.Add([]byte(`{"title":"\xff\xfe","detail":"\u00e9\ud800"}`))
	f.Add([]byte(`{"title":1}`))
	f.Add([]byte(`<html><body>Over capacity</body></html>`))
	f.Add([]byte(``))
	f.Add([]byte(`{"errors":null,"title":"x"`))
	f.Add([]byte(`{"errors":[{"parameters":{"":[],"0":[]}}]}`)) // found by fuzzing: the field varied with map order
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, field := parseXError(body)
		for range 3 { // the field comes from a map: the answer must not vary
			if m, fl := parseXError(body); m != msg || fl != field {
				t.Fatalf("not deterministic: (%q, %q) then (%q, %q)", msg, field, m, fl)
			}
		}
		if !json.Valid(body) {
			if msg != "" || field != "" {
				t.Fatalf("invalid JSON gave (%q, %q)", msg, field)
			}
			return
		}
		if !utf8.ValidString(msg) || !utf8.ValidString(field) {
			t.Fatalf("invalid UTF-8: (%q, %q)", msg, field)
		}
		if msg != strings.Trim(msg, ": ") {
			t.Fatalf("message %q not trimmed", msg)
		}
		if field == "" {
			return
		}
		// The field is a parameter name, and no other non-empty one sorts
		// before it.
		var generic struct {
			Errors []struct {
				Parameters map[string]json.RawMessage `json:"parameters"`
			} `json:"errors"`
		}
		if json.Unmarshal(body, &generic) != nil {
			t.Fatalf("field %q from a body whose errors do not decode", field)
		}
		seen := false
		for _, e := range generic.Errors {
			for k := range e.Parameters {
				seen = seen || k == field
				if k != "" && k < field {
					t.Fatalf("field %q, but parameter %q sorts first", field, k)
				}
			}
		}
		if !seen {
			t.Fatalf("field %q names no parameter", field)
		}
	})
}

// FuzzParseXErrorShape builds X error bodies from arbitrary strings and
// checks parseXError finds each part in the message and the least
// parameter name as the field.
func FuzzParseXErrorShape(f *testing.F) {
	f.Add("Invalid Request", "One or more parameters to your request was invalid.", "The `text` field is too long.", "text", "media.media_ids")
	f.Add("Too Many Requests", "Too Many Requests", "", "", "")
	f.Add("", "", "message only", "", "")
	f.Add(":", " ", ": :", "b", "a")
	f.Add("tab\t", "\tdetail", "a\xffb", "\xfe", "z")
	f.Fuzz(func(t *testing.T, title, detail, message, p1, p2 string) {
		type xErr struct {
			Parameters map[string][]string `json:"parameters,omitempty"`
			Message    string              `json:"message"`
		}
		params := map[string][]string{}
		for _, p := range []string{p1, p2} {
			if p != "" {
				params[p] = []string{"value"}
			}
		}
		body, err := json.Marshal(map[string]any{
			"title": title, "detail": detail, "type": "about:blank",
			"errors": []xErr{{Parameters: params, Message: message}},
		})
		if err != nil {
			t.Fatal(err)
		}
		msg, field := parseXError(body)
		for _, part := range []string{title, detail, message} {
			if want := trimColonSpace(wire(part)); !strings.Contains(msg, want) {
				t.Fatalf("message %q lacks %q (body %s)", msg, want, body)
			}
		}
		want := ""
		for k := range params {
			if k = wire(k); want == "" || k < want {
				want = k
			}
		}
		if field != want {
			t.Fatalf("field %q, want %q (body %s)", field, want, body)
		}
	})
}

// linkedInCode matches the end of every message parseLinkedInError makes.
var linkedInCode = regexp.MustCompile(`^(?s)(.*) \(serviceErrorCode (-?[0-9]+)\)$`)

// FuzzParseLinkedInError feeds arbitrary bodies to parseLinkedInError: a
// body that is not JSON yields nothing; otherwise the message is valid
// UTF-8 and ends with the serviceErrorCode, and the field follows the
// names in the message. The body is also sent as a message, which must
// come back whole.
func FuzzParseLinkedInError(f *testing.F) {
	f.Add([]byte(`{"message":"ERROR :: /specificContent/com.linkedin.ugc.ShareContent/shareCommentary/text :: length of field must be <= 3000\n","status":422}`))
	f.Add([]byte(`{"serviceErrorCode":65600,"message":"Invalid access token","status":401}`))
	f.Add([]byte(`{"serviceErrorCode":100,"message":"Not enough permissions to access: POST /ugcPosts","status":403}`))
	f.Add([]byte(`{"message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached.","status":429}`))
	f.Add([]byte(`{"message":"ERROR :: /author :: \"urn:li:person:1\" is not a member","status":422}`))
	f.Add([]byte(`{"message":"/specificContent/com.linkedin.ugc.ShareContent/media/0/originalUrl :: invalid URL","status":400}`))
	f.Add([]byte(`{"serviceErrorCode":99999999999999999999}`))
	f.Add([]byte(`{"serviceErrorCode":-1,"message":"\ud800"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`<!DOCTYPE html><html>Request denied</html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, field := parseLinkedInError(body)
		if m, fl := parseLinkedInError(body); m != msg || fl != field {
			t.Fatalf("not deterministic: (%q, %q) then (%q, %q)", msg, field, m, fl)
		}
		if !json.Valid(body) {
			if msg != "" || field != "" {
				t.Fatalf("invalid JSON gave (%q, %q)", msg, field)
			}
		} else if msg != "" {
			checkLinkedInResult(t, msg, field)
		} else if field != "" {
			t.Fatalf("field %q without a message", field)
		}

		// The body as a LinkedIn message comes back whole.
		code := len(body) - 3
		wrapped, err := json.Marshal(map[string]any{"message": string(body), "serviceErrorCode": code, "status": 400})
		if err != nil {
			t.Fatal(err)
		}
		msg, field = parseLinkedInError(wrapped)
		if want := fmt.Sprintf("%s (serviceErrorCode %d)", wire(string(body)), code); msg != want {
			t.Fatalf("message %q, want %q", msg, want)
		}
		checkLinkedInResult(t, msg, field)
	})
}

// checkLinkedInResult checks one non-empty answer of parseLinkedInError.
func checkLinkedInResult(t *testing.T, msg, field string) {
	t.Helper()
	if !utf8.ValidString(msg) {
		t.Fatalf("invalid UTF-8 in %q", msg)
	}
	m := linkedInCode.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("message %q does not end with the serviceErrorCode", msg)
	}
	if _, err := strconv.Atoi(m[2]); err != nil {
		t.Fatalf("code %q in %q: %v", m[2], msg, err)
	}
	text := m[1]
	want := ""
	switch {
	case strings.Contains(text, "shareCommentary"):
		want = "text"
	case strings.Contains(text, "media"):
		want = "media_urls"
	case strings.Contains(text, "author"):
		want = "author"
	}
	if field != want {
		t.Fatalf("field %q for %q, want %q", field, msg, want)
	}
}

// FuzzRegainAccess feeds arbitrary X-Business-Use-Case-Usage headers to
// regainAccess: the wait is never negative; minutes given as an integer
// are read exactly (up to the longest time.Duration) and the longest
// wins.
func FuzzRegainAccess(f *testing.F) {
	f.Add(`{"112233445566":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":30,"estimated_time_to_regain_access":5}]}`, int64(5))
	f.Add(`{"1":[{"estimated_time_to_regain_access":0}],"2":[{"estimated_time_to_regain_access":1440},{"estimated_time_to_regain_access":3}]}`, int64(1440))
	f.Add(`{"1":[{"estimated_time_to_regain_access":-4}]}`, int64(-4))
	f.Add(`{"1":[{"estimated_time_to_regain_access":1.5}]}`, int64(0))
	f.Add(`{"1":[{"estimated_time_to_regain_access":"7"}]}`, int64(7))
	f.Add(`{"1":[{"estimated_time_to_regain_access":153722868}]}`, int64(153722868))
	f.Add(`{"1":[{"estimated_time_to_regain_access":9223372036854775807}]}`, int64(math.MaxInt64))
	f.Add(`{"1":{}}`, int64(1))
	f.Add(``, int64(0))
	f.Add(`null`, int64(0))
	f.Fuzz(func(t *testing.T, usage string, minutes int64) {
		h := http.Header{}
		h.Set("X-Business-Use-Case-Usage", usage)
		got := regainAccess(h)
		if got < 0 {
			t.Fatalf("%q: negative wait %v", usage, got)
		}
		if again := regainAccess(h); again != got {
			t.Fatalf("not deterministic: %v then %v", got, again)
		}

		// A header built around minutes: the longest of minutes and 2.
		h.Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{"1":[{"type":"pages","estimated_time_to_regain_access":%d}],"2":[{"estimated_time_to_regain_access":2}]}`, minutes))
		want := 2 * time.Minute
		if minutes > 2 {
			want = time.Duration(min(minutes, int64(math.MaxInt64/time.Minute))) * time.Minute
		}
		if got := regainAccess(h); got != want {
			t.Fatalf("%d minutes: %v, want %v", minutes, got, want)
		}
	})
}

// FuzzClassify feeds arbitrary answers to classify, with each platform's
// error parser: the class follows the status as the package documents
// it, only a 429 has a wait and it is not negative, only a refusal has a
// field, and the message quotes a bounded, valid UTF-8 snippet of a body
// that is not JSON.
func FuzzClassify(f *testing.F) {
	f.Add(429, []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`), "15", uint8(1))
	f.Add(400, []byte(`{"errors":[{"parameters":{"text":["x"]},"message":"too long"}],"title":"Invalid Request"}`), "", uint8(1))
	f.Add(422, []byte(`{"message":"ERROR :: /specificContent/com.linkedin.ugc.ShareContent/media/0 :: bad","status":422}`), "", uint8(2))
	f.Add(401, []byte(`{"serviceErrorCode":65600,"message":"Invalid access token","status":401}`), "", uint8(2))
	f.Add(503, []byte("<html><body><h1>503 Service Unavailable</h1>\n</body></html>"), "", uint8(1))
	f.Add(404, []byte(""), "", uint8(0))
	f.Add(500, []byte(strings.Repeat("a", 199)+"é and more"), "", uint8(0))
	f.Add(403, []byte(strings.Repeat("日本", 50)), "", uint8(0))
	f.Add(429, []byte(`{}`), "99999999999", uint8(2))
	f.Fuzz(func(t *testing.T, status int, body []byte, ra string, which uint8) {
		var parse errorParser
		reset := ""
		switch which % 3 {
		case 1:
			parse, reset = parseXError, "x-rate-limit-reset"
		case 2:
			parse = parseLinkedInError
		}
		r := &response{status: status, header: http.Header{}, body: body}
		if ra != "" {
			r.header.Set("Retry-After", ra)
		}
		err := classify("fuzz: op", r, parse, fuzzNow, reset)
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
		case status == 400 || status == 422:
			want = content.InvalidContent
		case status == 404:
			want = content.NotFound
		case status >= 500:
			want = content.Retryable
		default:
			want = content.Permanent
		}
		if ce.Class != want || ce.Op != "fuzz: op" {
			t.Fatalf("status %d: class %s op %q, want %s", status, ce.Class, ce.Op, want)
		}
		if ce.RetryAfter < 0 || (ce.RetryAfter != 0 && want != content.RateLimited) {
			t.Fatalf("status %d: wait %v", status, ce.RetryAfter)
		}
		if (ce.Field != "") != (want == content.InvalidContent) {
			t.Fatalf("status %d: field %q", status, ce.Field)
		}
		cause := ce.Err.Error()
		prefix := fmt.Sprintf("status %d: ", status)
		if !strings.HasPrefix(cause, prefix) {
			t.Fatalf("cause %q", cause)
		}
		if utf8.Valid(body) && !utf8.ValidString(cause) {
			t.Fatalf("valid UTF-8 body, invalid UTF-8 message %q", cause)
		}
		if parse == nil || !looksJSON(body) {
			if quoted := strings.TrimPrefix(cause, prefix); len(quoted) > 200+len("…") || quoted == "" {
				t.Fatalf("snippet of %d bytes: %q", len(quoted), quoted)
			}
		}
	})
}

// FuzzClassifyGraph feeds arbitrary answers to classifyGraph: a Graph
// error's code decides the class as documented (else the status does, as
// in classify), only a RateLimited error has a wait and it is not
// negative, only an InvalidContent one has a field, and a valid UTF-8
// body gives a valid UTF-8 message.
func FuzzClassifyGraph(f *testing.F) {
	usage := `{"112233445566":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":30,"estimated_time_to_regain_access":5}]}`
	f.Add(400, []byte(`{"error":{"message":"Error validating access token: Session has expired on Thursday, 26-Nov-26 07:00:00 PST.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbCdEf"}}`), "", "")
	f.Add(400, []byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"fbtrace_id":"A1"}}`), "", usage)
	f.Add(400, []byte(`{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32}}`), "60", "")
	f.Add(400, []byte(`{"error":{"message":"(#100) The parameter image_url is required","type":"OAuthException","code":100,"fbtrace_id":"B2"}}`), "", "")
	f.Add(400, []byte(`{"error":{"message":"(#506) Duplicate status message","type":"OAuthException","code":506}}`), "", "")
	f.Add(500, []byte(`{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"is_transient":true}}`), "", "")
	f.Add(403, []byte(`{"error":{"message":"x","code":10}}`), "", "")
	f.Add(429, []byte(`{"error":{"code":0}}`), "9223372036854775807", `{"1":[{"estimated_time_to_regain_access":9223372036854775807}]}`)
	f.Add(502, []byte("<html>Bad Gateway</html>"), "", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, ra, usage string) {
		r := &response{status: status, header: http.Header{}, body: body}
		if ra != "" {
			r.header.Set("Retry-After", ra)
		}
		if usage != "" {
			r.header.Set("X-Business-Use-Case-Usage", usage)
		}
		err := classifyGraph("fuzz: graph", r, fuzzNow)
		var ce *content.Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a *content.Error: %v", err)
		}
		var e struct { // the part of Graph's error that decides the class
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		byStatus := func() content.ErrorClass {
			switch {
			case status == 429:
				return content.RateLimited
			case status == 401:
				return content.AuthExpired
			case status == 400 || status == 422:
				return content.InvalidContent
			case status == 404:
				return content.NotFound
			case status >= 500:
				return content.Retryable
			}
			return content.Permanent
		}
		want := byStatus()
		if looksJSON(body) && json.Unmarshal(body, &e) == nil {
			switch e.Error.Code {
			case 190, 102:
				want = content.AuthExpired
			case 4, 17, 32, 613:
				want = content.RateLimited
			case 100:
				want = content.InvalidContent
			case 1, 2:
				want = content.Retryable
			case 368, 506:
				want = content.Permanent
			}
		}
		if ce.Class != want || ce.Op != "fuzz: graph" {
			t.Fatalf("status %d, code %d: class %s, want %s", status, e.Error.Code, ce.Class, want)
		}
		if ce.RetryAfter < 0 || (ce.RetryAfter != 0 && want != content.RateLimited) {
			t.Fatalf("class %s: wait %v", ce.Class, ce.RetryAfter)
		}
		if (ce.Field != "") != (want == content.InvalidContent) {
			t.Fatalf("class %s: field %q", ce.Class, ce.Field)
		}
		if msg := ce.Err.Error(); utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body, invalid UTF-8 message %q", msg)
		}
	})
}
