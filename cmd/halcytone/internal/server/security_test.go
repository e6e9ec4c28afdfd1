package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// secTimeout bounds every request of the security tests: a hang is a
// failure, never a stuck test.
const secTimeout = 30 * time.Second

// secWebhookPath is the one operation under /api/ authenticated by an HMAC
// signature instead of an API key.
const secWebhookPath = "/api/v2/cache/webhook"

// secOp is one operation of the OpenAPI document.
type secOp struct {
	Method   string
	Template string         // the path as documented, such as /api/v2/jobs/{job_id}
	Path     string         // Template with every path parameter replaced by "x"
	Schema   map[string]any // the request body's schema, $refs resolved; nil: no body
}

// String names the operation as subtests do.
func (o secOp) String() string { return o.Method + " " + o.Template }

// takesBody reports whether the operation documents a request body.
func (o secOp) takesBody() bool { return o.Schema != nil }

var secPathParam = regexp.MustCompile(`\{[^}]+\}`)

// secOperations reads every operation under /api/ from the OpenAPI
// document that ts serves, sorted by path and method.
func secOperations(t testing.TB, ts *testServer) []secOp {
	t.Helper()
	res := secDo(t, ts, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	var ops []secOp
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		for method, raw := range item {
			m := strings.ToUpper(method)
			switch m {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			default:
				continue // parameters, summary, ...
			}
			var op struct {
				RequestBody *struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			require.NoError(t, json.Unmarshal(raw, &op), "%s %s", m, path)
			o := secOp{Method: m, Template: path, Path: secPathParam.ReplaceAllString(path, "x")}
			if op.RequestBody != nil {
				mt, ok := op.RequestBody.Content["application/json"]
				require.True(t, ok, "%s %s: a request body that is not JSON", m, path)
				o.Schema = secResolve(doc.Components.Schemas, mt.Schema)
				require.NotNil(t, o.Schema, "%s %s", m, path)
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Template != ops[j].Template {
			return ops[i].Template < ops[j].Template
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// secResolve follows a schema's $ref into the components.
func secResolve(schemas map[string]map[string]any, s map[string]any) map[string]any {
	for range 8 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	return s
}

// secType is the JSON type a property schema names ("" when any value
// is allowed), ignoring "null".
func secType(prop any) string {
	p, _ := prop.(map[string]any)
	switch ty := p["type"].(type) {
	case string:
		return ty
	case []any:
		for _, x := range ty {
			if s, _ := x.(string); s != "null" {
				return s
			}
		}
	}
	if _, ok := p["$ref"]; ok {
		return "object"
	}
	return ""
}

// secWrongValue is a value of another JSON type than typ: a number for a
// string, an object for an array, a string for a number, and so on.
// Untyped properties (free-form content) get a number, which no handler
// takes as content.
func secWrongValue(typ string) any {
	switch typ {
	case "string":
		return 12345
	case "array":
		return map[string]any{"not": "an array"}
	case "object":
		return []any{"not", "an", "object"}
	case "integer", "number":
		return "not a number"
	case "boolean":
		return "not a boolean"
	}
	return 12345
}

// secDo sends body (raw bytes, nil for none) with key (none when "") and
// header pairs; a client timeout turns a hang into a failure.
func secDo(t testing.TB, ts *testServer, method, path, key string, body []byte, headers ...string) response {
	t.Helper()
	return secSend(t, ts, method, path, key, body, false, headers...)
}

// secSend is secDo that may send the body chunked, without a
// Content-Length, so that only reading it tells its size.
func secSend(t testing.TB, ts *testServer, method, path, key string, body []byte, chunked bool, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
		if chunked {
			rd = io.MultiReader(rd) // hides the length from net/http
		}
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if chunked {
		req.ContentLength = -1
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: secTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // the raw answer, not where it leads
	}}
	res, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// secProblem is a decoded problem body.
type secProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail any    `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// locations lists the error locations and messages of the problem.
func (p secProblem) locations() string {
	var b strings.Builder
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "%s: %s; ", e.Location, e.Message)
	}
	return b.String()
}

// secRequireProblem checks that res is an RFC 9457 problem: its content
// type, a JSON body whose status matches and a non-empty string detail.
func secRequireProblem(t testing.TB, res response) secProblem {
	t.Helper()
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), problemType),
		"status %d: content type %q, want %s; body %s", res.Status, res.Header.Get("Content-Type"), problemType, res.Body)
	var p secProblem
	require.NoError(t, json.Unmarshal(res.Body, &p), "status %d: body %q", res.Status, res.Body)
	d, ok := p.Detail.(string)
	require.True(t, ok && strings.TrimSpace(d) != "", "status %d: detail must be a non-empty string: %s", res.Status, res.Body)
	// API.md: {"type","title","status","detail","errors"}.
	require.Equal(t, "about:blank", p.Type, "the problem's type: %s", res.Body)
	require.Equal(t, http.StatusText(res.Status), p.Title, "the problem's title: %s", res.Body)
	require.Equal(t, res.Status, p.Status, "the problem's status: %s", res.Body)
	return p
}

// secRequireStatusProblem checks the status and that the body is a problem.
func secRequireStatusProblem(t *testing.T, res response, status int) secProblem {
	t.Helper()
	require.Equal(t, status, res.Status, "body: %s", res.Body)
	return secRequireProblem(t, res)
}

// secScope is the scope an operation needs by API.md: key management
// admin, approval decisions approve, GET read, other mutations write.
// The two validation endpoints are POSTs that store and publish nothing
// (API.md: "stateless"), so they need read only.
func secScope(o secOp) string {
	switch {
	case strings.HasPrefix(o.Template, "/api/v2/keys"):
		return ScopeAdmin
	case o.Method == http.MethodGet:
		return ScopeRead
	case o.Method == http.MethodPost && strings.HasSuffix(o.Template, "/decisions"):
		return ScopeApprove
	case o.Method == http.MethodPost && (o.Template == "/api/v2/validate-content" || o.Template == "/api/v2/content/validate"):
		return ScopeRead
	}
	return ScopeWrite
}

// secWeakKeys are the kinds of key that lack the scope an operation needs
// (see secScope), by the names of secKeys.
func secWeakKeys(scope string) []string {
	switch scope {
	case ScopeRead:
		return []string{"approve"}
	case ScopeWrite:
		return []string{"read", "approve"}
	case ScopeApprove:
		return []string{"read", "write"}
	case ScopeAdmin:
		return []string{"read", "write", "read+write+approve"}
	}
	return nil
}

// secKeys creates one unlimited key per kind named by secWeakKeys, plus
// "revoked" (an admin key, revoked) and "wrong" (never issued).
func secKeys(t *testing.T, ts *testServer) map[string]string {
	t.Helper()
	keys := map[string]string{
		"read":               ts.key(t, "sec-read", 0, ScopeRead),
		"write":              ts.key(t, "sec-write", 0, ScopeWrite),
		"approve":            ts.key(t, "sec-approve", 0, ScopeApprove),
		"read+write+approve": ts.key(t, "sec-rwa", 0, ScopeRead, ScopeWrite, ScopeApprove),
		"wrong":              "hk_" + strings.Repeat("0", 40),
	}
	ctx := context.Background()
	plain, ak, err := ts.Keys.Create(ctx, "sec-revoked", []string{ScopeAdmin}, 0)
	require.NoError(t, err)
	require.NoError(t, ts.Keys.Revoke(ctx, ak.ID))
	keys["revoked"] = plain
	return keys
}

// secEmptyObject is the body sent along in the authentication tests: the
// middleware must refuse before the body matters.
const secEmptyObject = `{}`

func TestSecurityEveryAPIOperationNeedsAKeyWithTheRightScope(t *testing.T) {
	ts := newTestServer(t)
	ops := secOperations(t, ts)
	require.GreaterOrEqual(t, len(ops), 30, "the OpenAPI document lists every operation")
	keys := secKeys(t, ts)

	for _, op := range ops {
		t.Run(op.String(), func(t *testing.T) {
			var body []byte
			if op.takesBody() {
				body = []byte(secEmptyObject)
			}
			if op.Method == http.MethodPost && op.Template == secWebhookPath {
				// Authenticated by its signature alone: no key helps.
				for _, k := range []string{"", keys["wrong"], keys["revoked"], keys["read"], ts.Admin} {
					secRequireStatusProblem(t, secDo(t, ts, op.Method, op.Path, k, body), http.StatusUnauthorized)
				}
				return
			}

			res := secDo(t, ts, op.Method, op.Path, "", body)
			secRequireStatusProblem(t, res, http.StatusUnauthorized)
			assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"), "a 401 names the scheme")

			secRequireStatusProblem(t, secDo(t, ts, op.Method, op.Path, keys["wrong"], body), http.StatusUnauthorized)
			secRequireStatusProblem(t, secDo(t, ts, op.Method, op.Path, "", body, "X-API-Key", keys["wrong"]), http.StatusUnauthorized)
			secRequireStatusProblem(t, secDo(t, ts, op.Method, op.Path, keys["revoked"], body), http.StatusForbidden)

			scope := secScope(op)
			for _, kind := range secWeakKeys(scope) {
				res := secDo(t, ts, op.Method, op.Path, keys[kind], body)
				p := secRequireStatusProblem(t, res, http.StatusForbidden)
				assert.Contains(t, p.Detail, scope, "a %s key: the detail names the missing scope", kind)
			}
		})
	}
}

func TestSecurityRiverUINeedsAdmin(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.RiverUI = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"riverui": true})
		})
	})
	keys := secKeys(t, ts)
	// OPTIONS too: only a CORS preflight (Access-Control-Request-Method)
	// is answered without a key, and never by the River UI.
	for _, method := range []string{http.MethodGet, http.MethodOptions} {
		for _, path := range []string{"/riverui/", "/riverui/jobs/1"} {
			secRequireStatusProblem(t, secDo(t, ts, method, path, "", nil), http.StatusUnauthorized)
			secRequireStatusProblem(t, secDo(t, ts, method, path, keys["wrong"], nil), http.StatusUnauthorized)
			secRequireStatusProblem(t, secDo(t, ts, method, path, keys["revoked"], nil), http.StatusForbidden)
			for _, kind := range []string{"read", "write", "read+write+approve"} {
				secRequireStatusProblem(t, secDo(t, ts, method, path, keys[kind], nil), http.StatusForbidden)
			}
			res := secDo(t, ts, method, path, ts.Admin, nil)
			assert.Equal(t, http.StatusOK, res.Status, "%s %s: %s", method, path, res.Body)
		}
	}
	pre := secDo(t, ts, http.MethodOptions, "/riverui/", "", nil, "Origin", "https://d.example", "Access-Control-Request-Method", "GET")
	assert.Less(t, pre.Status, 300, "a preflight is answered without a key")
	assert.NotContains(t, string(pre.Body), "riverui", "by the CORS layer, not the River UI")
}

// basicAuth is an Authorization header value with key as the password.
func basicAuth(user, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+key))
}

// TestSecurityRiverUIFromABrowser checks that a browser can open the River
// UI (Basic credentials, the key as the password) and that other sites
// cannot make it write with them.
func TestSecurityRiverUIFromABrowser(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.RiverUI = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"riverui": true})
		})
	})
	keys := secKeys(t, ts)

	res := secDo(t, ts, http.MethodGet, "/riverui/", "", nil)
	secRequireStatusProblem(t, res, http.StatusUnauthorized)
	assert.Equal(t, `Basic realm="halcytone River UI", charset="UTF-8"`, res.Header.Get("WWW-Authenticate"), "the browser asks for credentials")
	res = secDo(t, ts, http.MethodGet, "/api/v2/jobs", "", nil)
	assert.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer", "the API asks for a bearer key")

	res = secDo(t, ts, http.MethodGet, "/riverui/", "", nil, "Authorization", basicAuth("admin", ts.Admin))
	assert.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res = secDo(t, ts, http.MethodGet, "/riverui/jobs/1", "", nil, "Authorization", basicAuth("", ts.Admin))
	assert.Equal(t, http.StatusOK, res.Status, "any user name: %s", res.Body)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/riverui/", "", nil, "Authorization", basicAuth("admin", keys["wrong"])), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/riverui/", "", nil, "Authorization", basicAuth("admin", keys["read+write+approve"])), http.StatusForbidden)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/riverui/", "", nil, "Authorization", basicAuth("admin", keys["revoked"])), http.StatusForbidden)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/api/v2/jobs", "", nil, "Authorization", basicAuth("admin", ts.Admin)), http.StatusUnauthorized)

	// Writes with Basic credentials: from the UI's own pages only.
	const cancel = "/riverui/api/jobs/cancel"
	basic := basicAuth("admin", ts.Admin)
	for _, h := range [][]string{
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "cross-site", "Origin", ts.URL},
	} {
		res := secDo(t, ts, http.MethodPost, cancel, "", []byte("{}"), append([]string{"Authorization", basic}, h...)...)
		p := secRequireStatusProblem(t, res, http.StatusForbidden)
		assert.Contains(t, p.Detail, "cross-site", "%v", h)
	}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "same-origin"},
		{"Origin", ts.URL},
		{}, // not a browser
	} {
		res := secDo(t, ts, http.MethodPost, cancel, "", []byte("{}"), append([]string{"Authorization", basic}, h...)...)
		assert.Equal(t, http.StatusOK, res.Status, "%v: %s", h, res.Body)
	}
	// A key in a header is never sent by a browser on its own.
	res = secDo(t, ts, http.MethodPost, cancel, ts.Admin, []byte("{}"), "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

func TestSecurityWebSocketsAuthentication(t *testing.T) {
	ts := newTestServer(t)
	keys := secKeys(t, ts)

	// /ws/live-updates needs a key: refused before the upgrade.
	path := "/ws/live-updates?session_id=s1&client_id=c1&role=participant"
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, path, "", nil), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, path, keys["wrong"], nil), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, path+"&api_key="+keys["wrong"], "", nil), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, path, keys["revoked"], nil), http.StatusForbidden)
	c, res, err := ts.tryDialWS(path)
	if res != nil && res.Body != nil {
		_ = res.Body.Close()
	}
	require.Error(t, err, "dial without a key")
	require.Nil(t, c)
	require.NotNil(t, res)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	ts.dialWS(t, path, "Authorization", "Bearer "+keys["read"])

	// /ws/session/{id}/events needs write.
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/ws/session/s1/events", "", nil), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/ws/session/s1/events", keys["read"], nil), http.StatusForbidden)

	// /ws/jobs is public: the dashboard connects without credentials.
	ts.dialWS(t, "/ws/jobs")
}

// secPublicIP is a literal public address: a webhook URL on it needs no
// name resolution, and the tests never send it anything.
const secPublicIP = "93.184.215.14"

// secValidBodies are well-formed bodies of every operation that takes
// one, by secOp.String(): each succeeds, or fails only for its placeholder
// path parameter or the cache webhook's missing signature. A new
// operation must be added here.
func secValidBodies() map[string]string {
	update := `{"type":"update","title":"Firmware 1.4 is out","content":"The new firmware makes pairing faster and adds a gentle cue for the exhale."}`
	return map[string]string{
		"POST /api/v2/approvals/{id}/decisions": `{"decision":"approve","comment":"fine","reviewer":"erin"}`,
		"POST /api/v2/batch/generate":           `{"requests":[{"document_id":"sample:","channels":["email"],"dry_run":true}],"parallel":false,"fail_fast":false}`,
		"POST /api/v2/cache/invalidate":         `{"pattern":"mem:*"}`,
		"POST /api/v2/cache/webhook":            `{"event":"content.updated","pattern":"*"}`,
		"POST /api/v2/content/sync":             `{"document_id":"sample:","channels":["email"],"dry_run":true}`,
		"POST /api/v2/content/validate":         `{"content":` + update + `,"strict":false}`,
		"POST /api/v2/generate-content":         `{"content":` + update + `,"preview_only":true}`,
		"POST /api/v2/keys":                     `{"name":"malformed-test","scopes":["read"]}`,
		"POST /api/v2/live-announce":            `{"message":"we start in five minutes"}`,
		"POST /api/v2/schedules":                `{"name":"weekly","cron":"0 10 * * TUE","timezone":"America/New_York","document_id":"sample:","channels":["email"]}`,
		"POST /api/v2/session-summary":          `{"content":{"title":"Evening calm","content":"We practised the long exhale together.","session_id":"s-1","session_duration":1800,"participant_count":12,"breathing_techniques":["box breathing"]}}`,
		"POST /api/v2/validate-content":         `{"content":` + update + `}`,
		"POST /api/v2/webhooks":                 `{"url":"https://` + secPublicIP + `/hook","events":["approval.decided"]}`,
	}
}

// secLenientBodies are the [dashboard] operations, whose bodies ignore
// unknown fields (API.md), and the live announcement, whose body is any
// JSON value.
func secLenientBodies() []string {
	return []string{"POST /api/v2/content/sync", "POST /api/v2/batch/generate", "POST /api/v2/cache/invalidate", "POST /api/v2/live-announce"}
}

// secAnyJSONBodies are the operations whose body is any JSON value, or
// none (API.md: live-announce takes "any JSON body").
func secAnyJSONBodies() []string { return []string{"POST /api/v2/live-announce"} }

// secQuery is the query string some operations need to get as far as
// reading their body.
func secQuery(op secOp) string {
	if op.Template == "/api/v2/live-announce" {
		return "?broadcast_all=true"
	}
	return ""
}

// secNested returns JSON nesting v depth levels deep in arrays ("[[...]]")
// or objects ({"a":{"a":...}}).
func secNested(depth int, objects bool) []byte {
	var b bytes.Buffer
	b.Grow(depth * 6)
	for range depth {
		if objects {
			b.WriteString(`{"a":`)
		} else {
			b.WriteByte('[')
		}
	}
	b.WriteString("1")
	for range depth {
		if objects {
			b.WriteByte('}')
		} else {
			b.WriteByte(']')
		}
	}
	return b.Bytes()
}

// secWith returns valid with the top-level field name set to raw JSON.
func secWith(t *testing.T, valid string, name string, raw []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(valid), &m))
	m[name] = raw
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// secFirstString returns a top-level string property of schema that the
// valid body sets, for the invalid UTF-8 case; "" when there is none.
func secFirstString(schema map[string]any, valid string) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(valid), &m)
	props, _ := schema["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if secType(props[name]) == "string" {
			if v, ok := m[name]; ok && len(v) > 0 && v[0] == '"' {
				return name
			}
		}
	}
	return ""
}

// secCase is one malformed request of an operation.
type secCase struct {
	name    string
	body    []byte
	chunked bool
	// status is the required status; 0: any 4xx.
	status int
	// field, when set, must be named by an error location.
	field string
	// mayPass allows the statuses the valid body gets (the operation
	// legitimately succeeds).
	mayPass bool
	// headers are header pairs sent along (they may replace Content-Type).
	headers []string
}

func TestSecurityMalformedBodies(t *testing.T) {
	ts := newTestServer(t)
	valid := secValidBodies()
	limit := int(DefaultBodyLimit)

	for _, op := range secOperations(t, ts) {
		if op.Method != http.MethodPost && op.Method != http.MethodPut && op.Method != http.MethodPatch {
			continue
		}
		path := op.Path + secQuery(op)
		signed := op.Template == secWebhookPath // every case is 401: no signature
		var cases []secCase
		oversize := []byte(`{"zz_padding":"` + strings.Repeat("a", limit) + `"}`)
		if !op.takesBody() {
			// The body is not read: anything but an oversized one that
			// says its length is legitimately ignored.
			cases = []secCase{
				{name: "truncated JSON", body: []byte(`{"a":`), mayPass: true},
				{name: "not JSON", body: []byte("\xff\xfe"), mayPass: true},
				{name: "over the limit", body: oversize, status: http.StatusRequestEntityTooLarge},
				{name: "empty", body: []byte{}, mayPass: true},
			}
		} else {
			vb, ok := valid[op.String()]
			require.True(t, ok, "%s takes a body: add a valid one to secValidBodies", op)
			lenient := slices.Contains(secLenientBodies(), op.String())
			anyJSON := slices.Contains(secAnyJSONBodies(), op.String())

			// The valid body must pass (or fail for the placeholder path
			// parameter only), or the other cases prove nothing.
			base := secDo(t, ts, op.Method, path, ts.Admin, []byte(vb))
			switch {
			case signed:
				require.Equal(t, http.StatusUnauthorized, base.Status, "%s: %s", op, base.Body)
			case strings.Contains(op.Template, "{"):
				require.Equal(t, http.StatusNotFound, base.Status, "%s: %s", op, base.Body)
			default:
				require.Less(t, base.Status, 300, "%s: the valid body: %s", op, base.Body)
			}

			props, _ := op.Schema["properties"].(map[string]any)
			names := make([]string, 0, len(props))
			for name := range props {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				wrong, err := json.Marshal(secWrongValue(secType(props[name])))
				require.NoError(t, err)
				cases = append(cases, secCase{name: "wrong type of " + name, body: secWith(t, vb, name, wrong), status: http.StatusUnprocessableEntity, field: name})
			}
			unknown := secCase{name: "unknown field", body: secWith(t, vb, "zz_unknown", []byte(`1`)), status: http.StatusUnprocessableEntity, field: "zz_unknown"}
			if lenient {
				unknown = secCase{name: "unknown field ignored", body: unknown.body, mayPass: true, status: base.Status}
			}
			cases = append(cases, unknown,
				secCase{name: "truncated JSON", body: []byte(vb[:len(vb)/2])},
				secCase{name: "trailing garbage", body: []byte(vb + `}`)},
				secCase{name: "not an object", body: []byte(`[1,2,3]`), mayPass: anyJSON},
				secCase{name: "null", body: []byte(`null`), mayPass: anyJSON},
				secCase{name: "arrays nested 10000 deep", body: secNested(10000, false)},
				secCase{name: "objects nested 10000 deep in a field", body: secWith(t, vb, "zz_deep", secNested(10000, true))},
				secCase{name: "over the limit", body: oversize, status: http.StatusRequestEntityTooLarge},
				secCase{name: "over the limit, chunked", body: oversize, chunked: true, status: http.StatusRequestEntityTooLarge},
				secCase{name: "empty", body: []byte{}, mayPass: anyJSON},
				secCase{name: "valid JSON sent as text/plain", body: []byte(vb), headers: []string{"Content-Type", "text/plain"}, status: http.StatusUnsupportedMediaType},
				secCase{name: "valid JSON sent as XML", body: []byte(vb), headers: []string{"Content-Type", "application/xml"}, status: http.StatusUnsupportedMediaType},
			)
			if name := secFirstString(op.Schema, vb); name != "" {
				bad := secWith(t, vb, name, []byte("\"caf\xe9 \xff\xfe\""))
				cases = append(cases, secCase{name: "invalid UTF-8 in " + name, body: bad, status: http.StatusBadRequest})
			}
		}

		for _, c := range cases {
			t.Run(op.String()+"/"+c.name, func(t *testing.T) {
				res := secSend(t, ts, op.Method, path, ts.Admin, c.body, c.chunked, c.headers...)
				require.Less(t, res.Status, 500, "never a server error: %s", res.Body)
				require.NotEmpty(t, res.Body, "never an empty body")
				if signed && c.status != http.StatusRequestEntityTooLarge {
					secRequireStatusProblem(t, res, http.StatusUnauthorized)
					return
				}
				if c.mayPass && res.Status < 400 {
					require.True(t, json.Valid(res.Body), "a JSON body: %s", res.Body)
					if c.status != 0 {
						require.Equal(t, c.status, res.Status, "%s", res.Body)
					}
					return
				}
				require.GreaterOrEqual(t, res.Status, 400, "refused: %s", res.Body)
				if c.status != 0 {
					require.Equal(t, c.status, res.Status, "%s", res.Body)
				}
				p := secRequireProblem(t, res)
				if c.field != "" {
					assert.Contains(t, p.locations(), c.field, "an error names the field: %s", res.Body)
				}
			})
		}
	}
}

// newSSRFServer starts a server like newTestServer whose registry also
// resolves http and https references with the URL source behind guard,
// so that the SSRF guard itself answers.
func newSSRFServer(t *testing.T, guard source.Guard) *testServer {
	t.Helper()
	return newTestServerWithSources(t, func(reg *source.Registry) {
		u := source.NewURL(source.URLConfig{Guard: guard, Timeout: 10 * time.Second})
		reg.Register("http", u)
		reg.Register("https", u)
	})
}

// secSSRFTargets are document references and webhook URLs no request may
// make the server fetch: loopback, the cloud metadata service, IPv6
// loopback, private ranges.
func secSSRFTargets() []string {
	return []string{
		"https://127.0.0.1/x",
		"http://169.254.169.254/latest/meta-data",
		"https://169.254.169.254/latest/meta-data",
		"http://[::1]/",
		"https://[::1]/",
		"http://10.0.0.1/",
		"https://10.0.0.1/",
		"https://192.168.1.1/doc.md",
		"https://[::ffff:127.0.0.1]/",
		"https://127.0.0.1./",
		"https://0x7f.1/",
		"https://localhost/",
	}
}

func TestSecuritySSRFDocumentReferences(t *testing.T) {
	guards := map[string]source.Guard{
		"strict":          {},
		"http allowed":    {AllowHTTP: true},
		"any port & http": {AllowHTTP: true, Ports: []uint16{80, 443, 8080}},
	}
	for gname, guard := range guards {
		t.Run(gname, func(t *testing.T) {
			ts := newSSRFServer(t, guard)
			for _, target := range secSSRFTargets() {
				requests := map[string]struct {
					method, path string
					body         map[string]any
				}{
					"sync":             {http.MethodPost, "/api/v2/content/sync", map[string]any{"document_id": target, "channels": []string{"email"}}},
					"generate":         {http.MethodPost, "/api/v2/generate-content", map[string]any{"document_id": target}},
					"generate preview": {http.MethodPost, "/api/v2/generate-content", map[string]any{"document_id": target, "preview_only": true}},
					"preview":          {http.MethodGet, "/api/v1/preview?document_id=" + url.QueryEscape(target), nil},
				}
				for rname, r := range requests {
					t.Run(rname+" "+target, func(t *testing.T) {
						var body []byte
						if r.body != nil {
							var err error
							body, err = json.Marshal(r.body)
							require.NoError(t, err)
						}
						res := secDo(t, ts, r.method, r.path, ts.Admin, body)
						require.GreaterOrEqual(t, res.Status, 400, "refused: %s", res.Body)
						require.Less(t, res.Status, 500, "refused as the client's fault: %s", res.Body)
						p := secRequireProblem(t, res)
						assert.Contains(t, p.locations(), "document_id", "the problem names document_id: %s", res.Body)
						assert.Contains(t, p.Detail, source.ErrRefused.Error(), "the guard refused it: %s", res.Body)
					})
				}
			}
			page, err := ts.Engine.Jobs(context.Background(), store.JobFilter{Limit: 1})
			require.NoError(t, err)
			assert.Zero(t, page.Total, "no job was created for a refused reference")
		})
	}
}

func TestSecuritySSRFWebhookRegistration(t *testing.T) {
	ts := newTestServer(t)
	targets := append(secSSRFTargets(),
		"https://127.0.0.1:8443/hook",
		"https://0.0.0.0/",
		"https://100.64.0.1/",
		"https://[fd00::1]/",
		"https://[fe80::1]/",
		"file:///etc/passwd",
		"gopher://127.0.0.1/",
		"https://user:pass@"+secPublicIP+"/",
	)
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			res := ts.do(t, http.MethodPost, "/api/v2/webhooks", ts.Admin, map[string]any{"url": target, "events": []string{"job.completed"}})
			p := secRequireStatusProblem(t, res, http.StatusUnprocessableEntity)
			assert.Contains(t, p.locations(), "url", "the problem names url: %s", res.Body)
		})
	}
	list := ts.do(t, http.MethodGet, "/api/v2/webhooks", ts.Admin, nil).JSON(t)
	assert.EqualValues(t, 0, list["total"], "nothing was registered")
}

func TestSecurityUncleanPathsNeedTheScopeOfTheirRoute(t *testing.T) {
	ts := newTestServer(t)
	keys := secKeys(t, ts)
	for _, p := range []string{"//api/v2/keys", "/api/v2/./keys", "/api/v2/jobs/../keys", "/api//v2/keys", "/./api/v2/keys", "/api/v2/%6beys"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			body := []byte(secEmptyObject)
			if method == http.MethodGet {
				body = nil
			}
			secRequireStatusProblem(t, secDo(t, ts, method, p, "", body), http.StatusUnauthorized)
			for _, kind := range secWeakKeys(ScopeAdmin) {
				prob := secRequireStatusProblem(t, secDo(t, ts, method, p, keys[kind], body), http.StatusForbidden)
				assert.Contains(t, prob.Detail, ScopeAdmin, "%s %s: the scope of /api/v2/keys", method, p)
			}
		}
		// An admin is sent to the clean path, with a JSON body.
		res := secDo(t, ts, http.MethodGet, p, ts.Admin, nil)
		if p == "/api/v2/%6beys" {
			assert.Equal(t, http.StatusOK, res.Status, "%s: %s", p, res.Body)
			continue
		}
		require.Equal(t, http.StatusTemporaryRedirect, res.Status, "%s: %s", p, res.Body)
		assert.Equal(t, "/api/v2/keys", res.Header.Get("Location"))
		assert.True(t, json.Valid(res.Body) && len(res.Body) > 0, "%s: a JSON body: %q", p, res.Body)
	}
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "//ws/live-updates?session_id=s", "", nil), http.StatusUnauthorized)
	secRequireStatusProblem(t, secDo(t, ts, http.MethodGet, "/ws/./session/s/events", keys["read"], nil), http.StatusForbidden)
}

func TestSecurityJSONDepthCountsOnlyStructure(t *testing.T) {
	deep := string(secNested(maxJSONDepth, true))
	for text, tooDeep := range map[string]bool{
		`{}`:             false,
		deep:             false,
		`[` + deep + `]`: true,
		`{"a":"` + strings.Repeat("[", 500) + `"}`:   false,
		`{"a":"\"` + strings.Repeat("{", 500) + `"}`: false,
		`{"a":"\\"}` + strings.Repeat("[", 100):      true,
	} {
		assert.Equal(t, tooDeep, jsonTooDeep([]byte(text), maxJSONDepth), "%.80s", text)
	}

	// Brackets in strings are text, not nesting: such a body is fine.
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPost, "/api/v2/content/sync", ts.Admin, map[string]any{
		"document_id": "sample:", "metadata": map[string]any{"note": strings.Repeat("[{", 1000)},
	})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	// Nesting within the limit is fine, beyond it refused.
	ok := secWith(t, `{"document_id":"sample:"}`, "metadata", secNested(maxJSONDepth-2, true))
	res = secDo(t, ts, http.MethodPost, "/api/v2/content/sync", ts.Admin, ok)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	bad := secWith(t, `{"document_id":"sample:"}`, "metadata", secNested(maxJSONDepth, true))
	p := secRequireStatusProblem(t, secDo(t, ts, http.MethodPost, "/api/v2/content/sync", ts.Admin, bad), http.StatusBadRequest)
	assert.Contains(t, p.Detail, "deeper than")
}
