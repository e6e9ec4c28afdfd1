package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// otlpExporter is an sdktrace.SpanExporter that posts spans to an OTLP/HTTP
// traces endpoint as a protobuf ExportTraceServiceRequest.
//
// It stands in for go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp,
// which links gRPC into the binary (through its shared configuration and
// the collector's generated service, in the same Go package as the request
// message). The server never speaks gRPC, yet gRPC's package initialisers
// cost it 1.7–1.9 MiB of its idle RSS (docs/benchmarks.md). The messages
// come from go.opentelemetry.io/proto/otlp/trace/v1, which does not import
// gRPC; the request wrapper, one repeated field, is written with protowire.
// The tests decode what it sends with the collector's own types and
// compare it with what otlptracehttp sends for the same spans.
type otlpExporter struct {
	url     string
	client  *http.Client
	header  http.Header
	gzip    bool
	timeout time.Duration // of one attempt
	retry   retryPolicy
	stopped atomic.Bool
}

// retryPolicy bounds the retries of an export: after a first wait of
// initial, each wait doubles up to max, and no attempt starts after
// elapsed. A Retry-After the endpoint sends takes the place of the wait.
type retryPolicy struct {
	initial, max, elapsed time.Duration
}

// defaultOTLPTimeout is OTEL_EXPORTER_OTLP_TIMEOUT's default, and
// maxOTLPTimeoutMS the largest value it takes (an hour; larger values
// would overflow a time.Duration, and no export should wait that long).
const (
	defaultOTLPTimeout = 10 * time.Second
	maxOTLPTimeoutMS   = 3_600_000
)

// errExporterStopped is returned by ExportSpans after Shutdown.
var errExporterStopped = errors.New("telemetry: otlp exporter is shut down")

// otlpSetting returns the traces-specific variable of name
// (OTEL_EXPORTER_OTLP_TRACES_<name>) when set, else the general one
// (OTEL_EXPORTER_OTLP_<name>), and which key it read.
func otlpSetting(getenv func(string) string, name string) (key, value string) {
	key = "OTEL_EXPORTER_OTLP_TRACES_" + name
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return key, v
	}
	key = "OTEL_EXPORTER_OTLP_" + name
	return key, strings.TrimSpace(getenv(key))
}

// newOTLPExporter returns an exporter to endpoint, configured by the
// OTEL_EXPORTER_OTLP_[TRACES_]{HEADERS,TIMEOUT,COMPRESSION,CERTIFICATE,
// CLIENT_CERTIFICATE,CLIENT_KEY} variables that getenv reports. A value it
// cannot use is an error that names its variable.
func newOTLPExporter(endpoint string, getenv func(string) string) (*otlpExporter, error) {
	e := &otlpExporter{
		url:     endpoint,
		header:  http.Header{},
		timeout: defaultOTLPTimeout,
		retry:   retryPolicy{initial: time.Second, max: 30 * time.Second, elapsed: time.Minute},
	}
	if key, v := otlpSetting(getenv, "HEADERS"); v != "" {
		for pair := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			k, val, ok := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			dec, err := url.PathUnescape(strings.TrimSpace(val))
			if !ok || k == "" || err != nil {
				return nil, fmt.Errorf("telemetry: %s: %q is not key=value (value URL-encoded)", key, strings.TrimSpace(pair))
			}
			e.header.Add(k, dec)
		}
	}
	if key, v := otlpSetting(getenv, "TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 || ms > maxOTLPTimeoutMS {
			return nil, fmt.Errorf("telemetry: %s %q: want milliseconds, at most %d", key, v, maxOTLPTimeoutMS)
		}
		if ms > 0 {
			e.timeout = time.Duration(ms) * time.Millisecond
		}
	}
	switch key, v := otlpSetting(getenv, "COMPRESSION"); v {
	case "", "none":
	case "gzip":
		e.gzip = true
	default:
		return nil, fmt.Errorf("telemetry: %s %q: want gzip or none", key, v)
	}
	tlsConfig, err := otlpTLS(getenv)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConfig != nil {
		tr.TLSClientConfig = tlsConfig
	}
	e.client = &http.Client{Transport: tr}
	return e, nil
}

// otlpTLS returns the TLS configuration the certificate variables ask
// for, nil when none is set.
func otlpTLS(getenv func(string) string) (*tls.Config, error) {
	caKey, ca := otlpSetting(getenv, "CERTIFICATE")
	certKey, cert := otlpSetting(getenv, "CLIENT_CERTIFICATE")
	keyKey, key := otlpSetting(getenv, "CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %s: %w", caKey, err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("telemetry: %s %q: no PEM certificate in it", caKey, ca)
		}
	}
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("telemetry: %s and %s go together", certKey, keyKey)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %s, %s: %w", certKey, keyKey, err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// ExportSpans implements sdktrace.SpanExporter: one request for all of
// spans, retried on 429, 502, 503 and 504 answers and on transport errors
// within the retry policy and ctx.
func (e *otlpExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.stopped.Load() {
		return errExporterStopped
	}
	if len(spans) == 0 {
		return nil
	}
	body, err := exportRequest(spans)
	if err != nil {
		return fmt.Errorf("telemetry: otlp: encode: %w", err)
	}
	if e.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body) // a bytes.Buffer does not fail
		_ = zw.Close()
		body = b.Bytes()
	}
	start := time.Now()
	wait := e.retry.initial
	for {
		after, err := e.post(ctx, body)
		if err == nil {
			return nil
		}
		if after < 0 {
			return err // not worth retrying
		}
		if after == 0 {
			after = wait
			wait = min(2*wait, e.retry.max)
		}
		if time.Since(start)+after > e.retry.elapsed {
			return err
		}
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (then %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// post sends body once. On failure it returns how long to wait before
// trying again: 0 for the backoff's next wait, the endpoint's Retry-After
// when it gave one, negative when the failure is final.
func (e *otlpExporter) post(ctx context.Context, body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("telemetry: otlp: %w", err)
	}
	for k, vs := range e.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if e.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("telemetry: otlp: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	err = fmt.Errorf("telemetry: otlp: %s answered %s: %q", e.url, resp.Status, bytes.TrimSpace(msg)) // a protobuf Status, often
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if s, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && s > 0 {
			return time.Duration(s) * time.Second, err
		}
		return 0, err
	}
	return -1, err
}

// Shutdown implements sdktrace.SpanExporter: later exports fail, and idle
// connections are closed.
func (e *otlpExporter) Shutdown(ctx context.Context) error {
	e.stopped.Store(true)
	e.client.CloseIdleConnections()
	return ctx.Err()
}

// exportRequest encodes spans as an ExportTraceServiceRequest, whose only
// field is resource_spans (1, repeated): a ResourceSpans per resource, a
// ScopeSpans per instrumentation scope within it, in the order spans first
// name them.
func exportRequest(spans []sdktrace.ReadOnlySpan) ([]byte, error) {
	var out []byte
	for _, rs := range resourceSpans(spans) {
		b, err := proto.Marshal(rs)
		if err != nil {
			return nil, err
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, b)
	}
	return out, nil
}

// resourceSpans groups spans by resource and scope.
func resourceSpans(spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	type scopeKey struct {
		res                   attribute.Distinct
		name, version, schema string
		attrs                 attribute.Distinct
	}
	var out []*tracepb.ResourceSpans
	byRes := map[attribute.Distinct]*tracepb.ResourceSpans{}
	byScope := map[scopeKey]*tracepb.ScopeSpans{}
	for _, s := range spans {
		if s == nil {
			continue
		}
		res := s.Resource()
		rk := res.Equivalent()
		rs, ok := byRes[rk]
		if !ok {
			rs = &tracepb.ResourceSpans{
				Resource:  &resourcepb.Resource{Attributes: keyValues(res.Attributes())},
				SchemaUrl: res.SchemaURL(),
			}
			byRes[rk] = rs
			out = append(out, rs)
		}
		sc := s.InstrumentationScope()
		sk := scopeKey{rk, sc.Name, sc.Version, sc.SchemaURL, sc.Attributes.Equivalent()}
		ss, ok := byScope[sk]
		if !ok {
			ss = &tracepb.ScopeSpans{
				Scope: &commonpb.InstrumentationScope{
					Name: sc.Name, Version: sc.Version, Attributes: keyValues(sc.Attributes.ToSlice()),
				},
				SchemaUrl: sc.SchemaURL,
			}
			byScope[sk] = ss
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		ss.Spans = append(ss.Spans, otlpSpan(s))
	}
	return out
}

// spanFlags are OTLP's span and link flags: the W3C trace flags in the low
// byte, and whether the parent (or linked) context is remote, known.
func spanFlags(tf trace.TraceFlags, remote trace.SpanContext) uint32 {
	f := uint32(tf) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if remote.IsRemote() {
		f |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	return f
}

func otlpSpan(s sdktrace.ReadOnlySpan) *tracepb.Span {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	p := &tracepb.Span{
		TraceId:                tid[:],
		SpanId:                 sid[:],
		TraceState:             sc.TraceState().String(),
		Name:                   s.Name(),
		Kind:                   spanKind(s.SpanKind()),
		StartTimeUnixNano:      unixNano(s.StartTime()),
		EndTimeUnixNano:        unixNano(s.EndTime()),
		Attributes:             keyValues(s.Attributes()),
		DroppedAttributesCount: clampCount(s.DroppedAttributes()),
		DroppedEventsCount:     clampCount(s.DroppedEvents()),
		DroppedLinksCount:      clampCount(s.DroppedLinks()),
		Flags:                  spanFlags(sc.TraceFlags(), s.Parent()),
	}
	if parent := s.Parent(); parent.SpanID().IsValid() {
		psid := parent.SpanID()
		p.ParentSpanId = psid[:]
	}
	switch st := s.Status(); st.Code {
	case codes.Error:
		p.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: st.Description}
	case codes.Ok:
		p.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK}
	default:
		p.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_UNSET}
	}
	for _, ev := range s.Events() {
		p.Events = append(p.Events, &tracepb.Span_Event{
			Name:                   ev.Name,
			TimeUnixNano:           unixNano(ev.Time),
			Attributes:             keyValues(ev.Attributes),
			DroppedAttributesCount: clampCount(ev.DroppedAttributeCount),
		})
	}
	for _, l := range s.Links() {
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		p.Links = append(p.Links, &tracepb.Span_Link{
			TraceId:                ltid[:],
			SpanId:                 lsid[:],
			TraceState:             l.SpanContext.TraceState().String(),
			Attributes:             keyValues(l.Attributes),
			DroppedAttributesCount: clampCount(l.DroppedAttributeCount),
			Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext),
		})
	}
	return p
}

// spanKind maps a span kind; the two enumerations share their numbers.
func spanKind(k trace.SpanKind) tracepb.Span_SpanKind {
	switch k {
	case trace.SpanKindInternal, trace.SpanKindServer, trace.SpanKindClient, trace.SpanKindProducer, trace.SpanKindConsumer:
		return tracepb.Span_SpanKind(k)
	}
	return tracepb.Span_SPAN_KIND_UNSPECIFIED
}

func unixNano(t time.Time) uint64 {
	if t.IsZero() || t.UnixNano() < 0 {
		return 0
	}
	return uint64(t.UnixNano())
}

func clampCount(n int) uint32 {
	return uint32(min(max(n, 0), int(^uint32(0))))
}

func keyValues(kvs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)})
	}
	return out
}

func anyValue(v attribute.Value) *commonpb.AnyValue {
	a := &commonpb.AnyValue{}
	switch v.Type() {
	case attribute.BOOL:
		a.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}
	case attribute.INT64:
		a.Value = &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}
	case attribute.FLOAT64:
		a.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}
	case attribute.STRING:
		a.Value = &commonpb.AnyValue_StringValue{StringValue: v.AsString()}
	case attribute.BOOLSLICE:
		a.Value = arrayOf(v.AsBoolSlice(), func(b bool) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		a.Value = arrayOf(v.AsInt64Slice(), func(n int64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
		})
	case attribute.FLOAT64SLICE:
		a.Value = arrayOf(v.AsFloat64Slice(), func(f float64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	case attribute.STRINGSLICE:
		a.Value = arrayOf(v.AsStringSlice(), func(s string) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
		})
	case attribute.BYTESLICE:
		a.Value = &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}
	case attribute.SLICE:
		a.Value = arrayOf(v.AsSlice(), anyValue)
	case attribute.MAP:
		a.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: keyValues(v.AsMap())}}
	case attribute.EMPTY:
		// OTLP's empty value: an AnyValue with none of its fields set.
	default:
		a.Value = &commonpb.AnyValue_StringValue{StringValue: "INVALID"} // as otlptracehttp sends it
	}
	return a
}

func arrayOf[T any](vs []T, one func(T) *commonpb.AnyValue) *commonpb.AnyValue_ArrayValue {
	arr := &commonpb.ArrayValue{Values: make([]*commonpb.AnyValue, len(vs))}
	for i, v := range vs {
		arr.Values[i] = one(v)
	}
	return &commonpb.AnyValue_ArrayValue{ArrayValue: arr}
}
