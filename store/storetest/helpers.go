package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// base is the suite's fixed clock: every explicit time is an offset of it.
var base = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// elsewhere is a non-UTC zone for inputs, to check that times come back in
// UTC.
var elsewhere = time.FixedZone("UTC+02:30", 2*3600+30*60)

// timeSeconds returns n seconds.
func timeSeconds(n int) time.Duration { return time.Duration(n) * time.Second }

// at returns base plus m minutes, in UTC.
func at(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }

// roundTrip returns v as encoding/json restores it: what a store keeps of a
// JSON-encoded value.
func roundTrip[T any](t testing.TB, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out T
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// requireUTC fails unless tm is a non-zero time in UTC.
func requireUTC(t testing.TB, tm time.Time, what string) {
	t.Helper()
	require.Falsef(t, tm.IsZero(), "%s is zero", what)
	require.Equalf(t, time.UTC, tm.Location(), "%s is not in UTC: %v", what, tm)
}

// requireBetween fails unless tm lies in [lo - 1s, hi + 1s], allowing for
// clocks of a database server and of the test process that differ a little.
func requireBetween(t testing.TB, tm, lo, hi time.Time, what string) {
	t.Helper()
	requireUTC(t, tm, what)
	require.Falsef(t, tm.Before(lo.Add(-time.Second)) || tm.After(hi.Add(time.Second)),
		"%s = %v, want between %v and %v", what, tm, lo, hi)
}

// sampleDocument returns a document with every field set.
func sampleDocument(title string) *content.Document {
	d := &content.Document{
		Title:     title,
		Source:    "gdocs:abc123",
		Format:    content.FormatGoogleDocs,
		FetchedAt: time.Date(2026, 3, 1, 8, 30, 15, 123456000, time.UTC),
		Sections: []content.Section{
			{
				Heading:  "Breathscape",
				Category: content.CategoryBreathscape,
				Items: []content.Item{
					{
						Title:    "Guided sessions ship",
						Body:     "The **new** guided sessions are *live*.\n\n- one\n- two",
						Date:     time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC),
						Category: content.CategoryBreathscape,
						Flags: content.Flags{
							Type:         content.TypeAnnouncement,
							Published:    true,
							Channels:     []content.Channel{content.ChannelEmail, content.ChannelLinkedIn},
							Priority:     content.PriorityHigh,
							ScheduledFor: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC),
							DryRun:       true,
							Template:     content.TemplateBreathscape,
							Featured:     true,
						},
					},
					{Title: "Small fix", Body: "Fixed a typo."},
				},
			},
			{Heading: "Tips", Category: content.CategoryTips, Items: []content.Item{}},
		},
		Warnings: []content.Issue{{Severity: content.SeverityWarning, Field: "sections[0].items[1].date", Code: "unparsed_date", Message: "no date"}},
	}
	return d.Seal()
}

// sampleBundle returns a bundle with a newsletter, a web post and social
// posts.
func sampleBundle() *content.Bundle {
	return &content.Bundle{
		ContentType: content.TypeBlog,
		Title:       "Breathe better",
		Source:      "notion:db1",
		Hash:        "9f2c",
		Channels:    []content.Channel{content.ChannelEmail, content.ChannelWebsite, content.ChannelTwitter, content.ChannelLinkedIn},
		Template:    content.TemplateModern,
		Tone:        content.ToneEncouraging,
		Newsletter: &content.Newsletter{
			Subject: "Breathe better this week", PreviewText: "Three techniques",
			HTML: "<p>Hello {{name}}</p>", Text: "Hello {{name}}", Template: content.TemplateModern,
		},
		WebPost: &content.WebPost{
			Title: "Breathe better", Slug: "breathe-better", HTML: "<h2 id=\"one\">One</h2>",
			Excerpt: "Three techniques", Tags: []string{"breathing", "hrv"},
			SEOTitle: "Breathe better", SEODescription: "Three breathing techniques.", SEOScore: 87,
			ReadingTime: 3, SchemaMarkup: `{"@type":"BlogPosting"}`,
			TOC: []content.Heading{{Level: 2, Text: "One", Anchor: "one"}},
		},
		Social: []content.SocialPost{
			{Platform: content.PlatformTwitter, Text: "Breathe 1/2", Thread: []string{"Breathe 1/2", "better 2/2"},
				Hashtags: []string{"#breath"}, MediaURLs: []string{}, WeightedLength: 11, Limit: 280, Tone: content.ToneEncouraging},
			{Platform: content.PlatformLinkedIn, Text: "Breathe better", Hashtags: []string{}, Limit: 3000},
		},
		Issues:      []content.Issue{{Severity: content.SeverityWarning, Field: "social_posts[1].hashtags", Code: "missing", Message: "no hashtags"}},
		AssembledAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
	}
}

// fullJob returns a job with every field set; its times are in a non-UTC
// zone at microsecond precision.
func fullJob(id string) *store.Job {
	c := base.Add(123456 * time.Microsecond).In(elsewhere)
	return &store.Job{
		ID:           id,
		DocumentID:   "gdocs:abc123",
		Channels:     []string{"email", "social_linkedin", "website"},
		Status:       store.JobCompleted,
		CreatedAt:    c,
		UpdatedAt:    c.Add(90 * time.Second),
		ScheduledFor: c.Add(time.Minute),
		StartedAt:    c.Add(61 * time.Second),
		CompletedAt:  c.Add(89*time.Second + 7*time.Microsecond),
		Results: map[string]store.ChannelResult{
			"email":           {Status: "success", Sent: 1200, ContentID: "cmp_1", Timestamp: at(2)},
			"social_linkedin": {Status: "failed", Error: "rate limited", Timestamp: at(2)},
			"website":         {Status: "success", ContentID: "post_9", URL: "https://example.com/p/9", Timestamp: at(2)},
		},
		Errors:          []string{"social_linkedin: rate limited"},
		Metadata:        map[string]any{"attempt": 2.0, "source": "api", "tags": []any{"a", 1.5}, "nested": map[string]any{"ok": true, "none": nil}},
		CorrelationID:   "corr-1",
		Approval:        &store.JobApproval{Level: 2, State: "approved", RequestID: "apr-1"},
		ContentHash:     "9f2c",
		BundleID:        "bun-1",
		DryRun:          true,
		IdempotencyKey:  "req-" + id,
		DeliveryKeyBase: "9f2c/" + id,
	}
}

// utcJob returns j's expected value when read back: top-level times in UTC.
func utcJob(j *store.Job) *store.Job {
	c := *j
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.ScheduledFor, c.StartedAt, c.CompletedAt = c.ScheduledFor.UTC(), c.StartedAt.UTC(), c.CompletedAt.UTC()
	return &c
}

// job returns a minimal job created m minutes after base.
func job(id string, m int, status store.JobStatus, channels ...string) *store.Job {
	return &store.Job{
		ID: id, DocumentID: "doc-" + id, Channels: channels, Status: status,
		CreatedAt: at(m), UpdatedAt: at(m),
	}
}

// createJobs inserts jobs in one transaction.
func createJobs(t testing.TB, s store.Store, jobs ...*store.Job) {
	t.Helper()
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		for _, j := range jobs {
			if err := tx.CreateJob(t.Context(), j); err != nil {
				return fmt.Errorf("create job %q: %w", j.ID, err)
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// jobIDs returns the IDs of jobs, in order.
func jobIDs(jobs []store.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// toInt reads a JSON number stored in metadata: float64 after a JSON round
// trip, int when a memory store kept what a caller stored; nil is 0.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case nil:
		return 0, true
	}
	return 0, false
}

// number is toInt that fails t on a value that is not a number.
func number(t testing.TB, v any) int {
	t.Helper()
	n, ok := toInt(v)
	require.Truef(t, ok, "not a number: %T %v", v, v)
	return n
}
