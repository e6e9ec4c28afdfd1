package halcytone_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/telemetry"
)

// TestFetchLabelsAreBounded: the source label of source_fetch_total comes
// from the caller's document_id, so it is the scheme only when a source
// took it; anything else is "unknown", and invalid UTF-8 is no panic.
func TestFetchLabelsAreBounded(t *testing.T) {
	m, err := telemetry.NewMetrics()
	require.NoError(t, err)
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Observer = m })
	ctx := context.Background()
	for i := range 200 {
		_, err := h.eng.Preview(ctx, halcytone.Request{DocumentID: fmt.Sprintf("bogus%d:doc", i)})
		require.Error(t, err)
	}
	for _, ref := range []string{"no scheme at all", "\xff\xfe:doc", ":empty", "9start:doc", "MEM:missing", "mem:missing"} {
		assert.NotPanics(t, func() { _, _ = h.eng.Preview(ctx, halcytone.Request{DocumentID: ref}) }, "%q", ref)
	}
	series := map[string]float64{}
	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "source_fetch_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			key := ""
			for _, l := range s.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			series[key] = s.GetCounter().GetValue()
		}
	}
	assert.Equal(t, map[string]float64{
		"source=unknown status=invalid_content ": 204,
		"source=mem status=not_found ":           2,
	}, series)
}

// TestTypedNilContentIsNoContent: a typed nil is no content, refused like
// a missing one rather than dereferenced.
func TestTypedNilContentIsNoContent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, c := range []content.Content{(*content.Update)(nil), (*content.Blog)(nil), (*content.Announcement)(nil), (*content.Session)(nil)} {
		_, err := h.eng.Preview(ctx, halcytone.Request{Content: c})
		require.Error(t, err, "%T", c)
		assert.Equal(t, content.InvalidContent, content.ClassOf(err), "%T: %v", c, err)
		_, err = h.eng.Generate(ctx, halcytone.Request{Content: c})
		assert.Equal(t, content.InvalidContent, content.ClassOf(err), "%T: %v", c, err)
		d := content.DocumentOf(c)
		assert.Empty(t, d.Sections, "%T", c)
		assert.NotEmpty(t, d.Hash, "%T", c)
	}
}

// TestFarDateIsInvalidContent: a date no store can write back is a
// validation failure naming it, not a store error.
func TestFarDateIsInvalidContent(t *testing.T) {
	h := newHarness(t)
	u := update("Breathing tips for travel")
	u.Date = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := h.eng.Generate(context.Background(), halcytone.Request{Content: u, Channels: []string{"email"}})
	require.NoError(t, err)
	assert.Equal(t, halcytone.StatusValidationFailed, res.Status)
	assert.Nil(t, res.Job)
	require.NotEmpty(t, res.Report.Issues)
	assert.Equal(t, "date", res.Report.Issues[0].Field)
}

// TestPreviewSaysValidationFailed: a preview of content that fails
// validation says so, as Generate would, and still carries the bundle.
func TestPreviewSaysValidationFailed(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ok, err := h.eng.Preview(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
	require.NoError(t, err)
	assert.Equal(t, halcytone.StatusPreview, ok.Status)

	bad := update("Breathing tips for travel")
	bad.Body = "Short."
	res, err := h.eng.Preview(ctx, halcytone.Request{Content: bad, Channels: []string{"email"}})
	require.NoError(t, err)
	assert.Equal(t, halcytone.StatusValidationFailed, res.Status)
	assert.False(t, res.Report.Valid)
	assert.NotNil(t, res.Bundle)
}

// TestScheduleRefusesAnUnknownScheme: a schedule whose document no source
// reads would fail every run; it is refused when created.
func TestScheduleRefusesAnUnknownScheme(t *testing.T) {
	h := newHarness(t)
	_, err := h.eng.CreateSchedule(context.Background(), store.Schedule{Name: "bad", Cron: "0 10 * * TUE", Timezone: "UTC", DocumentID: "nosuch:thing", Channels: []string{"email"}})
	require.ErrorIs(t, err, source.ErrUnknownScheme)
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "document_id", ce.Field)
	_, err = h.eng.CreateSchedule(context.Background(), store.Schedule{Name: "good", Cron: "0 10 * * TUE", Timezone: "UTC", DocumentID: "MEM:weekly", Channels: []string{"email"}})
	assert.NoError(t, err, "a known scheme in any case")
}
