package halcytone_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
)

// countingObserver records what the engine observes.
type countingObserver struct {
	mu          sync.Mutex
	fetches     map[string]int // source/status
	generations map[string]int // type/status
}

func (o *countingObserver) ObserveFetch(source, status string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fetches[source+"/"+status]++
}

func (o *countingObserver) ObserveGeneration(typ, status string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.generations[typ+"/"+status]++
}

func TestEngineTracesAndObservesSteps(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	obs := &countingObserver{fetches: map[string]int{}, generations: map[string]int{}}
	h := newHarnessConfig(t, func(c *halcytone.Config) {
		c.Tracer = tp.Tracer("test")
		c.Observer = obs
	})
	h.src.AddText("mem:doc", "# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()

	_, err := h.eng.Preview(ctx, halcytone.Request{DocumentID: "mem:doc", Channels: []string{"email"}})
	require.NoError(t, err)
	res, err := h.eng.Generate(ctx, halcytone.Request{DocumentID: "mem:doc", Channels: []string{"email"}})
	require.NoError(t, err)
	require.NotNil(t, res.Job)
	_, err = h.eng.Preview(ctx, halcytone.Request{DocumentID: "mem:missing"})
	require.Error(t, err)

	names := map[string]int{}
	for _, s := range rec.Ended() {
		names[s.Name()]++
	}
	assert.Equal(t, 3, names["halcytone.fetch"])
	assert.Equal(t, 2, names["halcytone.assemble"])
	assert.Equal(t, 2, names["halcytone.validate"])
	assert.Equal(t, 1, names["halcytone.approve"])
	if res.Job.Approval == nil || res.Job.Approval.State == "approved" {
		assert.Equal(t, 1, names["halcytone.enqueue"])
	}
	assert.Equal(t, 2, obs.fetches["mem/ok"])
	assert.Equal(t, 1, obs.fetches["mem/not_found"])
	assert.Equal(t, 1, obs.generations["unknown/error"])
	total := 0
	for k, n := range obs.generations {
		if k != "unknown/error" {
			total += n
		}
	}
	assert.Equal(t, 2, total, "one preview and one generate: %v", obs.generations)
}

// TestTypedContentNormalizedBeforeApproval: an announcement marked high
// urgency without a priority gets priority 2 by normalization, so the
// policy asks for management review (level 3), as validation sees it.
func TestTypedContentNormalizedBeforeApproval(t *testing.T) {
	h := newHarness(t)
	a := &content.Announcement{Base: content.Base{Title: "New studio opens in March",
		Body: "Our second studio opens on the first of March, with morning and evening classes every weekday.", Published: true}, Urgency: "high"}
	res, err := h.eng.Generate(context.Background(), halcytone.Request{Content: a, Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	require.NotNil(t, res.Approval, "status %s: %+v", res.Status, res.Report.Issues)
	assert.Equal(t, 3, res.Approval.Level)
	assert.Equal(t, content.Priority(0), a.Priority, "the caller's content is left as it was")
}
