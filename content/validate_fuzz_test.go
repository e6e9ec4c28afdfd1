package content_test

import (
	"context"
	"testing"

	"github.com/halcytone/halcytone/content"
)

// FuzzValidate feeds arbitrary bytes through Decode and ValidateContent:
// neither may panic, and every report must be consistent. Seeds live in
// testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"type":"blog","title":"Box breathing","content":"In, hold, out, hold."}`))
	f.Add([]byte(`{"title":"Launch!","content":"We launch today.","priority":0,"featured":true,"dry_run":true}`))
	f.Add([]byte(`{"type":"session","session_id":"x","session_type":"live","breathing_techniques":["lion's breath",""],"session_date":"2026-01-01T00:00:00Z"}`))
	v := testValidator()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := content.Decode(data)
		if err != nil {
			return
		}
		r := v.ValidateContent(context.Background(), c)
		if r == nil {
			t.Fatal("nil report")
		}
		if r.Valid != (len(r.Issues) == 0) {
			t.Fatalf("Valid = %v with %d issues", r.Valid, len(r.Issues))
		}
		for _, i := range r.Issues {
			if i.Severity != content.SeverityError || i.Code == "" {
				t.Fatalf("bad issue %+v", i)
			}
		}
		if r.Metadata == nil {
			t.Fatal("no metadata")
		}
		// The bundle validator must hold up as well, on whatever text the
		// input carries.
		b := c.Common()
		rb := v.ValidateBundle(context.Background(), &content.Bundle{
			Newsletter: &content.Newsletter{Subject: b.Title, PreviewText: b.Author, HTML: b.Body},
			WebPost:    &content.WebPost{Title: b.Title, Slug: b.Author, HTML: b.Body, Excerpt: b.Body},
			Social:     []content.SocialPost{{Platform: content.Platform(b.Author), Text: b.Body, Thread: []string{b.Title}, Hashtags: []string{b.Title}, MediaURLs: []string{b.Author}}},
		})
		if rb.Valid != (len(rb.Issues) == 0) {
			t.Fatalf("bundle: Valid = %v with %d issues", rb.Valid, len(rb.Issues))
		}
	})
}
