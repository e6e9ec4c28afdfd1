package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// NewTracerProvider returns a tracer provider for service at version and
// the function that flushes and stops it.
//
// When getenv reports OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a URL used as
// is) or OTEL_EXPORTER_OTLP_ENDPOINT (a base URL; spans go to its path plus
// /v1/traces), the provider is an OpenTelemetry SDK provider that batches
// spans to that endpoint over OTLP/HTTP (protobuf), with a resource naming
// service.name and service.version. The exporter also reads, through
// getenv, the standard OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, TIMEOUT (ms,
// default 10 s per attempt, at most an hour), COMPRESSION (gzip or none),
// CERTIFICATE, CLIENT_CERTIFICATE and CLIENT_KEY settings; it retries 429,
// 502, 503 and 504 answers and transport errors for up to a minute,
// honouring Retry-After. The SDK reads the OTEL_TRACES_SAMPLER settings from the
// process environment.
//
// Otherwise, or when getenv is nil, OTEL_SDK_DISABLED is "true" or
// OTEL_TRACES_EXPORTER is "none", it is a no-op provider and the shutdown
// does nothing. An endpoint that is not an http or https URL, an
// OTEL_EXPORTER_OTLP_PROTOCOL other than http/protobuf, or an exporter
// setting it cannot use is an error naming the variable.
//
// The provider is not installed as the otel global provider.
func NewTracerProvider(ctx context.Context, service, version string, getenv func(string) string) (trace.TracerProvider, func(context.Context) error, error) {
	noShutdown := func(context.Context) error { return nil }
	if getenv == nil ||
		strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") ||
		strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")) == "none" {
		return noop.NewTracerProvider(), noShutdown, nil
	}
	endpoint, err := tracesEndpoint(getenv)
	if err != nil {
		return nil, nil, err
	}
	if endpoint == "" {
		return noop.NewTracerProvider(), noShutdown, nil
	}
	for _, key := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(key)); p != "" {
			if p != "http/protobuf" {
				return nil, nil, fmt.Errorf("telemetry: %s %q: only http/protobuf is supported", key, p)
			}
			break
		}
	}

	attrs := []attribute.KeyValue{semconv.ServiceName(service)}
	if version != "" {
		attrs = append(attrs, semconv.ServiceVersion(version))
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attrs...),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("telemetry: tracing resource: %w", err)
	}
	exp, err := newOTLPExporter(endpoint, getenv)
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// tracesEndpoint returns the URL spans are sent to, or "" when none is
// configured.
func tracesEndpoint(getenv func(string) string) (string, error) {
	key, base := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", false
	raw := strings.TrimSpace(getenv(key))
	if raw == "" {
		key, base = "OTEL_EXPORTER_OTLP_ENDPOINT", true
		raw = strings.TrimSpace(getenv(key))
	}
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		err = errors.New("want an http or https URL")
	}
	if err != nil {
		return "", fmt.Errorf("telemetry: %s %q: %w", key, raw, err)
	}
	if base {
		// As the OTLP spec asks: the signal path is appended to a base URL.
		u.Path = path.Join("/", u.Path, "v1/traces")
		u.RawPath = ""
	}
	return u.String(), nil
}
