package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/content"
)

// fuzzBodyOps are the operations FuzzRequestBodies sends bodies to: every
// one under /api/ that takes a JSON body, but webhook registration, whose
// accepted URLs are public addresses the queue would then deliver to (the
// SSRF tests cover its URLs).
func fuzzBodyOps(t testing.TB, ts *testServer) []secOp {
	var ops []secOp
	for _, op := range secOperations(t, ts) {
		if op.takesBody() && op.String() != "POST /api/v2/webhooks" {
			ops = append(ops, op)
		}
	}
	require.NotEmpty(t, ops)
	return ops
}

// FuzzRequestBodies sends arbitrary bytes as the JSON body of every
// operation that takes one, with an admin key, over a real listener:
// whatever the bytes, the answer comes (secDo's client times out on a
// hang), is never a server error, and is JSON; a refusal is an RFC 9457
// problem with a string detail.
func FuzzRequestBodies(f *testing.F) {
	ts := newTestServer(f)
	ops := fuzzBodyOps(f, ts)
	valid := secValidBodies()
	for i, op := range ops {
		vb := valid[op.String()]
		require.NotEmpty(f, vb, "%s: no valid body in secValidBodies", op)
		f.Add(uint8(i), []byte(vb))
		f.Add(uint8(i), []byte(vb[:len(vb)/2]))
		f.Add(uint8(i), []byte(strings.Replace(vb, `"`, `"\u0000`, 2)))
	}
	// Indexes into ops, which is sorted by path: 1 is /api/v2/batch/generate,
	// and an index past the end wraps around.
	f.Add(uint8(0), []byte(`{"content":{"type":"update","title":"\ud800","content":"x"}}`))
	f.Add(uint8(1), []byte(`{"requests":[{"document_id":"sample:","channels":["Web","x",""]}]}`))
	f.Add(uint8(2), []byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`))
	f.Add(uint8(3), []byte("{\"a\":1e999999999}"))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := ops[int(which)%len(ops)]
		res := secDo(t, ts, op.Method, op.Path+secQuery(op), ts.Admin, body)
		require.Less(t, res.Status, 500, "%s: never a server error: %s", op, res.Body)
		require.True(t, json.Valid(res.Body), "%s: status %d: a JSON body: %q", op, res.Status, res.Body)
		if res.Status >= 400 {
			secRequireProblem(t, res)
		}
	})
}

// FuzzParseSeedKeys: HALCYTONE_API_KEYS either parses into keys that hold
// what the format promises, or fails with a message that never repeats a
// key (a key in a log line is a leaked key).
func FuzzParseSeedKeys(f *testing.F) {
	long := strings.Repeat("k", MinKeyLength)
	f.Add("admin:" + long + ":admin")
	f.Add("ci:" + long + ":read+write:60, ops:" + long + "x:approve+read")
	f.Add("a:" + long + ":read:-1")
	f.Add("a:" + long + ":root")
	f.Add("a:short:read")
	f.Add(":" + long + ":read")
	f.Add("a:" + long + ":read:1:2")
	f.Add(",,, ,")
	f.Add("a:" + long + ": read + read ")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseSeedKeys(s)
		if err != nil {
			require.Empty(t, keys)
			for entry := range strings.SplitSeq(s, ",") {
				parts := strings.Split(strings.TrimSpace(entry), ":")
				if len(parts) < 2 || len(parts[1]) < MinKeyLength {
					continue
				}
				key := parts[1]
				// A key that is also the text of another part may show as that part.
				if slices.ContainsFunc(append(parts[:1:1], parts[2:]...), func(p string) bool { return strings.Contains(p, key) }) {
					continue
				}
				require.NotContains(t, err.Error(), key, "the error repeats a key")
			}
			return
		}
		for _, k := range keys {
			require.NotEmpty(t, k.Name)
			require.NotContains(t, k.Name, ":")
			require.NotContains(t, k.Name, ",")
			require.GreaterOrEqual(t, len(k.Key), MinKeyLength)
			require.NotContains(t, k.Key, ":")
			require.NotEmpty(t, k.Scopes)
			require.True(t, slices.IsSorted(k.Scopes), "scopes sorted: %v", k.Scopes)
			require.Equal(t, len(k.Scopes), len(slices.Compact(slices.Clone(k.Scopes))), "scopes without repeats: %v", k.Scopes)
			for _, sc := range k.Scopes {
				require.Contains(t, []string{ScopeRead, ScopeWrite, ScopeApprove, ScopeAdmin}, sc)
			}
			require.GreaterOrEqual(t, k.RateLimit, 0)
		}
	})
}

// jsonDepth is the deepest nesting of arrays and objects in valid JSON, as
// encoding/json's tokens tell it.
func jsonDepth(t *testing.T, data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return deepest
		}
		require.NoError(t, err)
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

// FuzzJSONTooDeep: on valid JSON, jsonTooDeep agrees with the nesting
// encoding/json sees, so that the body check neither lets a deep body
// through nor refuses a shallow one; on any bytes it returns.
func FuzzJSONTooDeep(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"[[[["}],"c":"\\\"{"}`), 2)
	f.Add([]byte(`[[[]]]`), 3)
	f.Add([]byte(`[[[]]]`), 2)
	f.Add([]byte(`"\\"`), 0)
	f.Add([]byte(`]]]][[[[[`), 1)
	f.Add(secNested(100, true), 64)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		limit = max(limit, 0) // the body check's limit is a depth
		got := jsonTooDeep(data, limit)
		if !json.Valid(data) {
			return
		}
		require.Equal(t, jsonDepth(t, data) > limit, got, "limit %d: %q", limit, data)
	})
}

// FuzzVerifyWebhook: a message signed with the key verifies within the
// clock window, whatever its id, time and body, also among other
// signatures; changed bytes, another key or a time outside the window do
// not, and every refusal wraps errWebhookSignature.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte("whsec-key"), "msg_1", int64(1_700_000_000), []byte(`{"event":"content.updated"}`), int64(30), "v1,AAAA")
	f.Add([]byte{0}, "", int64(0), []byte{}, int64(-299), "")
	f.Add([]byte("k"), "id with spaces", int64(-1), []byte("\xff"), int64(301), "v1, v1,x")
	f.Fuzz(func(t *testing.T, key []byte, id string, ts int64, body []byte, skew int64, other string) {
		// Any header text, against the real clock: an answer, and a
		// refusal that says what it is.
		if _, err := verifyWebhook(key, id, other, other, body, time.Now()); err != nil {
			require.ErrorIs(t, err, errWebhookSignature)
		}
		// Times within some thirty thousand years of 1970 and a skew of
		// days, so that the clock arithmetic of the test itself holds.
		ts %= 1 << 40
		skew %= 1 << 20
		now := time.Unix(ts, 0).Add(time.Duration(skew) * time.Second)
		sig := webhookSignature(key, id, ts, body)
		tsText := strconv.FormatInt(ts, 10)
		inWindow := skew >= -int64(webhookTolerance/time.Second) && skew <= int64(webhookTolerance/time.Second)
		at, err := verifyWebhook(key, id, tsText, other+" "+sig, body, now)
		switch {
		case id == "":
			require.ErrorIs(t, err, errWebhookSignature)
			return
		case !inWindow:
			require.ErrorIs(t, err, errWebhookSignature, "skew %ds", skew)
			return
		}
		require.NoError(t, err)
		require.True(t, at.Equal(time.Unix(ts, 0)))

		// Another body, id or key: refused.
		_, err = verifyWebhook(key, id, tsText, sig, append(slices.Clone(body), 'x'), now)
		require.ErrorIs(t, err, errWebhookSignature)
		_, err = verifyWebhook(key, id+"x", tsText, sig, body, now)
		require.ErrorIs(t, err, errWebhookSignature)
		_, err = verifyWebhook(append(slices.Clone(key), 1), id, tsText, sig, body, now)
		require.ErrorIs(t, err, errWebhookSignature)
		// The other signatures alone: refused unless one is the signature.
		if !slices.Contains(strings.Fields(other), sig) {
			_, err = verifyWebhook(key, id, tsText, other, body, now)
			require.ErrorIs(t, err, errWebhookSignature)
		}
	})
}

// FuzzParseTimes: the request time parsers (schedule_time, the analytics
// dates, live event times) either fail or give a UTC time that renders in
// RFC 3339 (a time that does not breaks every answer that shows it: the
// seed 9999-12-31T23:59:59-23:59 once did so for the jobs list), and give
// back the instant of their own rendering.
func FuzzParseTimes(f *testing.F) {
	for _, s := range []string{"2026-12-01T10:00:00Z", "2026-12-01T10:00", "2026-12-01T10:00:59", "2026-12-01",
		"2026-12-01T10:00:00.123456789+05:30", "2026-02-30", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59",
		"2026-12-01T10:00:00", "2026-03-29T02:30", "", "tomorrow", "2026-13-01"} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("America/New_York")
	require.NoError(f, err)
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	check := func(t *testing.T, name, s string, parse func(string) (time.Time, error)) {
		got, err := parse(s)
		if err != nil {
			require.True(t, utf8.ValidString(err.Error()) || !utf8.ValidString(s), "%s: a readable error", name)
			return
		}
		if got.IsZero() {
			return // "" means none
		}
		require.Equal(t, time.UTC, got.Location(), "%s(%q)", name, s)
		again, err := parse(got.Format(time.RFC3339Nano))
		require.NoError(t, err, "%s of its own rendering %s", name, got.Format(time.RFC3339Nano))
		require.True(t, again.Equal(got), "%s(%q) = %v, then %v", name, s, got, again)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check(t, "parseScheduleTime", s, func(s string) (time.Time, error) { return parseScheduleTime(s, loc, now) })
		if got, err := parseScheduleTime(s, loc, now); err == nil {
			require.False(t, got.After(now.AddDate(content.MaxScheduleYears, 0, 0)), "%q: at most a year ahead", s)
		}
		check(t, "parseEventTime", s, parseEventTime)
		check(t, "parseAnalyticsDate", s, func(s string) (time.Time, error) { return parseAnalyticsDate(s, loc, false) })
		start, err1 := parseAnalyticsDate(s, loc, false)
		end, err2 := parseAnalyticsDate(s, loc, true)
		require.Equal(t, err1 == nil, err2 == nil)
		if err1 == nil && len(s) == len(time.DateOnly) && !start.IsZero() {
			require.True(t, end.After(start), "a day's end after its start: %q", s)
			require.LessOrEqual(t, end.Sub(start), 25*time.Hour, "a day is at most 25 hours: %q", s)
		}
	})
}

// FuzzLiveIngest: any message of the session platform gets an ack or an
// error that encodes, and leaves the rooms in a state every answer can
// show: GET /api/v2/sessions/live stays a 200 with JSON.
func FuzzLiveIngest(f *testing.F) {
	ts := newTestServer(f)
	for _, m := range []string{
		`{"type":"session.started","data":{"instructor":"Ada"},"timestamp":"2026-03-21T10:00:00Z"}`,
		`{"type":"participant.joined","data":{"participant_id":"u1"}}`,
		`{"type":"technique.changed","data":{"technique":"box breathing"}}`,
		`{"type":"session.ended","data":{"participant_count":1e308,"duration_seconds":-1,"techniques":["a",1,null]},"timestamp":"2026-03-21T11:00:00"}`,
		`{"type":"session.ended","timestamp":"9999-12-31T23:59:59-23:59"}`,
		`{"type":"hrv.milestone","data":[1]}`,
		`{"type":"instructor.message","data":{"message":"\ud800"}}`,
		`{not json`,
	} {
		f.Add(uint8(0), []byte(m))
	}
	sessions := []string{"sess-1", "sess-2", "s"}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		reply := ts.live.ingest(sessions[int(which)%len(sessions)], data)
		require.Contains(t, []string{"ack", "error"}, reply.Type)
		_, err := json.Marshal(reply)
		require.NoError(t, err)
		res := secDo(t, ts, "GET", "/api/v2/sessions/live", ts.Admin, nil)
		require.Equal(t, 200, res.Status, "%s", res.Body)
		require.True(t, json.Valid(res.Body))
	})
}

// FuzzLiveClientMessages: any message of a live-session client (chat,
// heartbeats, HRV updates, from a participant or an observer) is answered
// or broadcast only as JSON messages with a type, to the sender and to an
// instructor in the room, and never panics.
func FuzzLiveClientMessages(f *testing.F) {
	ts := newTestServer(f)
	h := ts.live
	newClient := func(id, role string) *liveClient {
		c := &liveClient{wsConn: newWSConn(context.Background(), nil, 1<<12), id: id, role: role, limiter: rate.NewLimiter(rate.Inf, 0)}
		require.NoError(f, h.join(c, "fuzz-room"))
		f.Cleanup(func() { h.leave(c) })
		return c
	}
	participant, observer := newClient("p", liveParticipant), newClient("o", liveObserver)
	instructor := newClient("i", liveInstructor)
	for _, m := range []string{
		`{"type":"heartbeat"}`,
		`{"type":"chat","data":{"message":"hello"}}`,
		`{"type":"chat","data":"plain text"}`,
		`{"type":"chat","message":"top level","data":{"text":"inner"}}`,
		`{"type":"chat","data":{"message":"` + strings.Repeat("é", 600) + `"}}`,
		`{"type":"hrv_update","data":{"hrv":52.5,"nested":{"a":[1,2,{"b":null}]}}}`,
		`{"type":"technique_feedback","data":[1]}`,
		`{"type":"chat","data":{"message":"\ud800"}}`,
		`{"type":"../../","data":{}}`,
		`not json`,
	} {
		f.Add(false, []byte(m))
		f.Add(true, []byte(m))
	}
	drain := func(t *testing.T, c *liveClient) {
		for {
			select {
			case msg := <-c.send:
				var m map[string]any
				require.NoError(t, json.Unmarshal(msg, &m), "%s", msg)
				typ, _ := m["type"].(string)
				require.NotEmpty(t, typ, "%s", msg)
			default:
				return
			}
		}
	}
	f.Fuzz(func(t *testing.T, asObserver bool, data []byte) {
		from := participant
		if asObserver {
			from = observer
		}
		h.handle(from, data)
		for _, c := range []*liveClient{participant, observer, instructor} {
			require.False(t, c.gone.Load(), "a client was dropped")
			drain(t, c)
		}
	})
}
