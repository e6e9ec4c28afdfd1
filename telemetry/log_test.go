package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/halcytone/halcytone/telemetry"
)

// tracedContext returns a context with correlation ID "cid-1" and a
// recording span of a real SDK provider.
func tracedContext(t *testing.T) (context.Context, trace.SpanContext) {
	t.Helper()
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { assert.NoError(t, tp.Shutdown(context.Background())) })
	ctx, span := tp.Tracer("test").Start(telemetry.WithCorrelationID(t.Context(), "cid-1"), "op")
	t.Cleanup(func() { span.End() })
	require.True(t, span.SpanContext().IsValid())
	return ctx, span.SpanContext()
}

// jsonLines decodes each line of buf.
func jsonLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), line)
		lines = append(lines, v)
	}
	return lines
}

func TestLogHandlerJSON(t *testing.T) {
	var buf bytes.Buffer
	h, err := telemetry.NewLogHandler(&buf, "json", slog.LevelInfo)
	require.NoError(t, err)
	log := slog.New(h)
	ctx, sc := tracedContext(t)

	log.InfoContext(ctx, "traced", "k", "v")
	log.Info("plain")
	log.DebugContext(ctx, "dropped")
	log.With("a", 1).WithGroup("g").InfoContext(ctx, "grouped", "k", "v")
	log.InfoContext(telemetry.WithCorrelationID(context.Background(), "cid-2"), "untraced")

	lines := jsonLines(t, &buf)
	require.Len(t, lines, 4)

	assert.Equal(t, "traced", lines[0]["msg"])
	assert.Equal(t, "v", lines[0]["k"])
	assert.Equal(t, "cid-1", lines[0]["correlation_id"])
	assert.Equal(t, sc.TraceID().String(), lines[0]["trace_id"])
	assert.Equal(t, sc.SpanID().String(), lines[0]["span_id"])

	assert.Equal(t, "plain", lines[1]["msg"])
	assert.NotContains(t, lines[1], "correlation_id")
	assert.NotContains(t, lines[1], "trace_id")

	assert.Equal(t, "grouped", lines[2]["msg"])
	assert.Equal(t, "cid-1", lines[2]["correlation_id"], "top level, not in the group")
	assert.Equal(t, sc.TraceID().String(), lines[2]["trace_id"])
	assert.Equal(t, 1.0, lines[2]["a"])
	assert.Equal(t, map[string]any{"k": "v"}, lines[2]["g"])

	assert.Equal(t, "cid-2", lines[3]["correlation_id"])
	assert.NotContains(t, lines[3], "trace_id")
	assert.NotContains(t, lines[3], "span_id")
}

func TestLogHandlerText(t *testing.T) {
	var buf bytes.Buffer
	h, err := telemetry.NewLogHandler(&buf, "text", nil)
	require.NoError(t, err)
	ctx, sc := tracedContext(t)
	slog.New(h).InfoContext(ctx, "hello")
	line := buf.String()
	assert.Contains(t, line, "msg=hello")
	assert.Contains(t, line, "correlation_id=cid-1")
	assert.Contains(t, line, "trace_id="+sc.TraceID().String())
	assert.Contains(t, line, "span_id="+sc.SpanID().String())
}

func TestLogHandlerLevel(t *testing.T) {
	var buf bytes.Buffer
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	h, err := telemetry.NewLogHandler(&buf, "json", level)
	require.NoError(t, err)
	log := slog.New(h)
	log.Info("dropped")
	level.Set(slog.LevelDebug)
	log.Debug("kept")
	lines := jsonLines(t, &buf)
	require.Len(t, lines, 1)
	assert.Equal(t, "kept", lines[0]["msg"])
}

func TestLogHandlerUnknownFormat(t *testing.T) {
	for _, format := range []string{"xml", "", "JSON"} {
		h, err := telemetry.NewLogHandler(&bytes.Buffer{}, format, nil)
		require.Error(t, err, format)
		assert.Nil(t, h)
		assert.Contains(t, err.Error(), `"`+format+`"`)
	}
}
