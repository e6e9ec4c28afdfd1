package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSink is a loopback OTLP/HTTP endpoint that keeps each request and
// answers with the statuses of answers in turn (200 once they run out).
type otlpSink struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte // as sent, before any decompression
	answers  []int
	srv      *httptest.Server
}

func newOTLPSink(t *testing.T, answers ...int) *otlpSink {
	t.Helper()
	s := &otlpSink{answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *otlpSink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.bodies = append(s.bodies, body)
	code := http.StatusOK
	if len(s.answers) > 0 {
		code, s.answers = s.answers[0], s.answers[1:]
	}
	s.mu.Unlock()
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "0")
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(code)
}

func (s *otlpSink) got() ([]*http.Request, [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...), append([][]byte(nil), s.bodies...)
}

// decode reads body as the collector does.
func decode(t *testing.T, r *http.Request, body []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(body, &req))
	return &req
}

// richSpans covers what an exporter maps: two resources, scopes with and
// without attributes, every attribute type, events, links (remote and
// not), every status and kind, trace state, dropped counts, and a span
// without a parent.
func richSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	tid := trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	ts, err := trace.ParseTraceState("vendor=abc,other=x1")
	require.NoError(t, err)
	ctx := func(sid byte, remote bool) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{sid}, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: remote})
	}
	resA := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "halcytone"), attribute.String("service.version", "1.2.3"))
	resB := resource.NewSchemaless(attribute.String("service.name", "other"))
	scope := instrumentation.Scope{Name: "halcytone", Version: "v1", SchemaURL: "https://example.com/s", Attributes: attribute.NewSet(attribute.Bool("scoped", true))}
	start := time.Date(2026, 11, 26, 6, 0, 0, 123456789, time.UTC)
	attrs := []attribute.KeyValue{
		attribute.Bool("b", true), attribute.Int64("i", -42), attribute.Float64("f", 1.5), attribute.String("s", "text"),
		attribute.BoolSlice("bs", []bool{true, false}), attribute.Int64Slice("is", []int64{1, 2}),
		attribute.Float64Slice("fs", []float64{0.25}), attribute.StringSlice("ss", []string{"a", "b"}),
	}
	stubs := tracetest.SpanStubs{
		{
			Name: "generate", SpanContext: ctx(1, false), Parent: ctx(9, true), SpanKind: trace.SpanKindServer,
			StartTime: start, EndTime: start.Add(1500 * time.Microsecond), Attributes: attrs,
			Events: []sdktrace.Event{
				{Name: "cache.miss", Time: start.Add(time.Microsecond), Attributes: []attribute.KeyValue{attribute.String("key", "k")}, DroppedAttributeCount: 2},
				{Name: "bare", Time: start.Add(2 * time.Microsecond)},
			},
			Links: []sdktrace.Link{
				{SpanContext: ctx(7, true), Attributes: []attribute.KeyValue{attribute.Int("n", 1)}, DroppedAttributeCount: 1},
				{SpanContext: ctx(8, false)},
			},
			Status:            sdktrace.Status{Code: codes.Error, Description: "source unreachable"},
			DroppedAttributes: 3, DroppedEvents: 4, DroppedLinks: 5, ChildSpanCount: 1,
			Resource: resA, InstrumentationScope: scope,
		},
		{
			Name: "assemble", SpanContext: ctx(2, false), Parent: ctx(1, false), SpanKind: trace.SpanKindInternal,
			StartTime: start.Add(time.Millisecond), EndTime: start.Add(2 * time.Millisecond),
			Status: sdktrace.Status{Code: codes.Ok}, Resource: resA, InstrumentationScope: scope,
		},
		{
			Name: "publish", SpanContext: ctx(3, false), SpanKind: trace.SpanKindClient,
			StartTime: start, EndTime: start.Add(time.Second),
			Resource: resA, InstrumentationScope: instrumentation.Scope{Name: "publish"},
		},
		{
			Name: "enqueue", SpanContext: ctx(4, false), Parent: ctx(3, false), SpanKind: trace.SpanKindProducer,
			StartTime: start, EndTime: start.Add(time.Second), Resource: resB, InstrumentationScope: scope,
		},
		{
			Name: "work", SpanContext: ctx(5, false), SpanKind: trace.SpanKindConsumer,
			StartTime: start, EndTime: start.Add(time.Second), Resource: resB, InstrumentationScope: scope,
		},
	}
	return stubs.Snapshots()
}

// TestOTLPExporterMatchesOTLPTraceHTTP sends the same spans through this
// exporter and through otlptracehttp, which it stands in for: the
// collector decodes the same request from both.
func TestOTLPExporterMatchesOTLPTraceHTTP(t *testing.T) {
	spans := richSpans(t)
	ours, theirs := newOTLPSink(t), newOTLPSink(t)

	e, err := newOTLPExporter(ours.srv.URL+"/v1/traces", env(nil))
	require.NoError(t, err)
	require.NoError(t, e.ExportSpans(t.Context(), spans))
	ref, err := otlptracehttp.New(t.Context(), otlptracehttp.WithEndpointURL(theirs.srv.URL+"/v1/traces"))
	require.NoError(t, err)
	require.NoError(t, ref.ExportSpans(t.Context(), spans))
	require.NoError(t, ref.Shutdown(t.Context()))

	oursReq, oursBody := ours.got()
	theirsReq, theirsBody := theirs.got()
	require.Len(t, oursReq, 1)
	require.Len(t, theirsReq, 1)
	assert.Equal(t, theirsReq[0].Header.Get("Content-Type"), oursReq[0].Header.Get("Content-Type"))
	assert.Equal(t, "/v1/traces", oursReq[0].URL.Path)
	got, want := decode(t, oursReq[0], oursBody[0]), decode(t, theirsReq[0], theirsBody[0])
	require.Len(t, got.ResourceSpans, 2, "one per resource")
	assert.Len(t, got.ResourceSpans[0].ScopeSpans, 2, "one per scope")
	// One difference, on purpose: links carry their trace state, as the
	// OTLP Link message has it; otlptracehttp leaves it out.
	link := got.ResourceSpans[0].ScopeSpans[0].Spans[0].Links[0]
	assert.Equal(t, "vendor=abc,other=x1", link.TraceState)
	for _, rs := range got.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				for _, l := range sp.Links {
					l.TraceState = ""
				}
			}
		}
	}
	assert.Equal(t, "halcytone", got.ResourceSpans[0].Resource.Attributes[0].Value.GetStringValue(), "ours: in the order the spans first name them")
	assert.Equal(t, "publish", got.ResourceSpans[0].ScopeSpans[1].Scope.Name)
	// otlptracehttp orders resources and scopes by map iteration, so
	// compare them in one order.
	sortRequest(got)
	sortRequest(want)
	assert.True(t, proto.Equal(want, got), "the collector reads the same request\nours:   %v\ntheirs: %v", got, want)
}

// sortRequest puts the resources, scopes and spans of r in one order: by
// their encoding, scope name and version, and span id.
func sortRequest(r *coltracepb.ExportTraceServiceRequest) {
	enc := func(m proto.Message) string {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		return string(b)
	}
	slices.SortFunc(r.ResourceSpans, func(a, b *tracepb.ResourceSpans) int { return strings.Compare(enc(a.Resource), enc(b.Resource)) })
	for _, rs := range r.ResourceSpans {
		slices.SortFunc(rs.ScopeSpans, func(a, b *tracepb.ScopeSpans) int { return strings.Compare(enc(a.Scope), enc(b.Scope)) })
		for _, ss := range rs.ScopeSpans {
			slices.SortFunc(ss.Spans, func(a, b *tracepb.Span) int { return bytes.Compare(a.SpanId, b.SpanId) })
		}
	}
}

func TestOTLPExporterSettings(t *testing.T) {
	sink := newOTLPSink(t)
	e, err := newOTLPExporter(sink.srv.URL, env(map[string]string{
		"OTEL_EXPORTER_OTLP_HEADERS":            "authorization=Bearer%20tok, x-tenant = a%2Cb ,,",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":     "x-traces=1",
		"OTEL_EXPORTER_OTLP_COMPRESSION":        "gzip",
		"OTEL_EXPORTER_OTLP_TIMEOUT":            "2500",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "",
	}))
	require.NoError(t, err)
	assert.Equal(t, 2500*time.Millisecond, e.timeout)
	require.NoError(t, e.ExportSpans(t.Context(), richSpans(t)))
	reqs, bodies := sink.got()
	require.Len(t, reqs, 1)
	h := reqs[0].Header
	assert.Equal(t, "1", h.Get("X-Traces"), "the traces variable takes the place of the general one")
	assert.Empty(t, h.Get("Authorization"))
	assert.Equal(t, "gzip", h.Get("Content-Encoding"), "an empty traces variable leaves the general one")
	assert.Len(t, decode(t, reqs[0], bodies[0]).ResourceSpans, 2)

	e, err = newOTLPExporter(sink.srv.URL, env(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20tok, x-tenant = a%2Cb ,,"}))
	require.NoError(t, err)
	assert.Equal(t, defaultOTLPTimeout, e.timeout)
	require.NoError(t, e.ExportSpans(t.Context(), richSpans(t)))
	reqs, _ = sink.got()
	h = reqs[1].Header
	assert.Equal(t, "Bearer tok", h.Get("Authorization"), "values are URL-decoded")
	assert.Equal(t, "a,b", h.Get("X-Tenant"))
	assert.Empty(t, h.Get("Content-Encoding"))
}

func TestOTLPExporterBadSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	for name, tt := range map[string]struct {
		vars map[string]string
		want string
	}{
		"header without =":  {map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,b"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		"header bad escape": {map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a=%zz"}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		"timeout":           {map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		"negative timeout":  {map[string]string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "-1"}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"},
		"huge timeout":      {map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "9223372036854775807"}, "at most 3600000"},
		"compression":       {map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, "OTEL_EXPORTER_OTLP_COMPRESSION"},
		"missing CA":        {map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": filepath.Join(dir, "none.pem")}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		"CA not PEM":        {map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": notPEM}, "no PEM certificate"},
		"key without cert":  {map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM}, "go together"},
		"bad client pair":   {map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": notPEM, "OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM}, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newOTLPExporter("http://127.0.0.1:1/v1/traces", env(tt.vars))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOTLPExporterCertificate(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	e, err := newOTLPExporter(srv.URL, env(nil))
	require.NoError(t, err)
	e.retry = retryPolicy{initial: time.Millisecond, max: time.Millisecond, elapsed: 50 * time.Millisecond}
	err = e.ExportSpans(t.Context(), richSpans(t))
	require.Error(t, err, "the test server's certificate is not trusted by default")
	assert.Contains(t, err.Error(), "certificate")

	e, err = newOTLPExporter(srv.URL, env(map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": ca}))
	require.NoError(t, err)
	require.NoError(t, e.ExportSpans(t.Context(), richSpans(t)))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, n)
}

func TestOTLPExporterRetries(t *testing.T) {
	fast := retryPolicy{initial: time.Millisecond, max: 4 * time.Millisecond, elapsed: 5 * time.Second}
	tests := []struct {
		name     string
		answers  []int
		requests int
		fails    bool
	}{
		{"success", nil, 1, false},
		{"unavailable, then taken", []int{503, 502, 504}, 4, false},
		{"too many requests, with Retry-After", []int{429, 429}, 3, false},
		{"bad request: final", []int{400}, 1, true},
		{"unauthorised: final", []int{401, 200}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newOTLPSink(t, tt.answers...)
			e, err := newOTLPExporter(sink.srv.URL, env(nil))
			require.NoError(t, err)
			e.retry = fast
			err = e.ExportSpans(t.Context(), richSpans(t))
			if tt.fails {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "answered")
			} else {
				require.NoError(t, err)
			}
			reqs, bodies := sink.got()
			require.Len(t, reqs, tt.requests)
			for i := range bodies {
				assert.Equal(t, bodies[0], bodies[i], "every attempt sends the same request")
			}
		})
	}

	t.Run("gives up after the retry budget", func(t *testing.T) {
		sink := newOTLPSink(t, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
		e, err := newOTLPExporter(sink.srv.URL, env(nil))
		require.NoError(t, err)
		e.retry = retryPolicy{initial: time.Millisecond, max: 2 * time.Millisecond, elapsed: 20 * time.Millisecond}
		err = e.ExportSpans(t.Context(), richSpans(t))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "503")
		reqs, _ := sink.got()
		assert.Less(t, len(reqs), 20, "stopped before the endpoint recovered")
	})

	t.Run("stops with its context", func(t *testing.T) {
		sink := newOTLPSink(t, 503)
		e, err := newOTLPExporter(sink.srv.URL, env(nil))
		require.NoError(t, err)
		e.retry = retryPolicy{initial: time.Hour, max: time.Hour, elapsed: 2 * time.Hour}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.ExportSpans(ctx, richSpans(t)) }()
		require.Eventually(t, func() bool { r, _ := sink.got(); return len(r) == 1 }, 10*time.Second, time.Millisecond)
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("ExportSpans kept waiting after its context ended")
		}
	})

	t.Run("unreachable endpoint", func(t *testing.T) {
		sink := newOTLPSink(t)
		url := sink.srv.URL
		sink.srv.Close()
		e, err := newOTLPExporter(url, env(nil))
		require.NoError(t, err)
		e.retry = retryPolicy{initial: time.Millisecond, max: time.Millisecond, elapsed: 10 * time.Millisecond}
		assert.Error(t, e.ExportSpans(t.Context(), richSpans(t)))
	})
}

func TestOTLPExporterShutdown(t *testing.T) {
	sink := newOTLPSink(t)
	e, err := newOTLPExporter(sink.srv.URL, env(nil))
	require.NoError(t, err)
	require.NoError(t, e.ExportSpans(t.Context(), nil), "nothing to send")
	reqs, _ := sink.got()
	assert.Empty(t, reqs, "no request for no spans")
	require.NoError(t, e.Shutdown(t.Context()))
	require.ErrorIs(t, e.ExportSpans(t.Context(), richSpans(t)), errExporterStopped)
	reqs, _ = sink.got()
	assert.Empty(t, reqs)
}

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// FuzzOTLPSettings feeds arbitrary values to the exporter's settings: it
// either refuses them with an error naming the variable or accepts them,
// and never panics; accepted headers have names and reach the request.
// The seed corpus is in testdata/fuzz/FuzzOTLPSettings.
func FuzzOTLPSettings(f *testing.F) {
	f.Add("authorization=Bearer%20tok,x-tenant=a%2Cb", "2500", "gzip")
	f.Fuzz(func(t *testing.T, headers, timeout, compression string) {
		vars := map[string]string{
			"OTEL_EXPORTER_OTLP_HEADERS": headers, "OTEL_EXPORTER_OTLP_TIMEOUT": timeout, "OTEL_EXPORTER_OTLP_COMPRESSION": compression,
		}
		e, err := newOTLPExporter("http://127.0.0.1:1/v1/traces", env(vars))
		if err != nil {
			if !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_") {
				t.Errorf("error names no variable: %v", err)
			}
			return
		}
		for k := range e.header {
			if k == "" {
				t.Errorf("headers %q gave an empty header name", headers)
			}
		}
		if e.timeout <= 0 {
			t.Errorf("timeout %q gave %v", timeout, e.timeout)
		}
	})
}
