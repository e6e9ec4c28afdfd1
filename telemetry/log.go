package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// NewLogHandler returns a slog handler writing to w in format "json" or
// "text", dropping records below level (nil: Info). Every record logged
// with a context gets, as top-level attributes, correlation_id when the
// context carries one (see WithCorrelationID) and trace_id and span_id
// when it carries a valid OpenTelemetry span context. Any other format is
// an error.
func NewLogHandler(w io.Writer, format string, level slog.Leveler) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("telemetry: log format %q: want \"json\" or \"text\"", format)
	}
	return &logHandler{base: h, inner: h}, nil
}

// logHandler adds the context's IDs to each record. To keep them at the
// top level after WithGroup, it remembers the handler before the first
// group and the calls made since, and replays them after adding the IDs.
type logHandler struct {
	base   slog.Handler                      // the handler before the first WithGroup
	inner  slog.Handler                      // base with every call applied
	replay []func(slog.Handler) slog.Handler // the calls since the first WithGroup
}

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	ids := contextAttrs(ctx)
	switch {
	case len(ids) == 0:
		return h.inner.Handle(ctx, r)
	case len(h.replay) == 0:
		r.AddAttrs(ids...)
		return h.inner.Handle(ctx, r)
	}
	with := h.base.WithAttrs(ids)
	for _, call := range h.replay {
		with = call(with)
	}
	return with.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	if len(h.replay) == 0 {
		next := h.base.WithAttrs(attrs)
		return &logHandler{base: next, inner: next}
	}
	return &logHandler{
		base:  h.base,
		inner: h.inner.WithAttrs(attrs),
		replay: append(slices.Clip(h.replay), func(n slog.Handler) slog.Handler {
			return n.WithAttrs(attrs)
		}),
	}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &logHandler{
		base:  h.base,
		inner: h.inner.WithGroup(name),
		replay: append(slices.Clip(h.replay), func(n slog.Handler) slog.Handler {
			return n.WithGroup(name)
		}),
	}
}

// contextAttrs returns the correlation and trace attributes ctx carries.
func contextAttrs(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	var attrs []slog.Attr
	if id := CorrelationID(ctx); id != "" {
		attrs = append(attrs, slog.String("correlation_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs,
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()))
	}
	return attrs
}
