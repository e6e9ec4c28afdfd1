package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
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
// service.name and service.version. The endpoint and the decision are read
// through getenv; the exporter reads the other standard OTEL_EXPORTER_OTLP_*
// settings (headers, timeout, compression, certificates) and the SDK the
// OTEL_TRACES_SAMPLER settings from the process environment.
//
// Otherwise, or when getenv is nil, OTEL_SDK_DISABLED is "true" or
// OTEL_TRACES_EXPORTER is "none", it is a no-op provider and the shutdown
// does nothing. An endpoint that is not an http or https URL, or an
// OTEL_EXPORTER_OTLP_PROTOCOL other than http/protobuf, is an error.
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
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("telemetry: otlp exporter for %s: %w", endpoint, err)
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
