package source_test

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func ExampleParseMarkdown() {
	doc, err := source.ParseMarkdown([]byte(`# Breathscape News

## [Hardware] Sensors

### 2026-11-12 — Pulse HRV sensor
<!-- type: announcement; featured; published -->
- **Content:** Pulse streams heart rate variability to the app.

## [Tips] Techniques

### The long exhale
- **Date:** November 6, 2026
- **Content:** Breathe in for four counts and out for six.
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Title)
	for _, it := range doc.Items() {
		fmt.Printf("%s %s [%s] %q\n", it.Date.Format(time.DateOnly), it.Title, it.Category, it.Body)
		if it.Flags.Type != "" {
			fmt.Printf("  type=%s featured=%t published=%t\n", it.Flags.Type, it.Flags.Featured, it.Flags.Published)
		}
	}
	// Output:
	// Breathscape News
	// 2026-11-12 Pulse HRV sensor [hardware] "Pulse streams heart rate variability to the app."
	//   type=announcement featured=true published=true
	// 2026-11-06 The long exhale [tips] "Breathe in for four counts and out for six."
}

func ExampleRegistry() {
	r := source.NewRegistry(source.WithClock(func() time.Time {
		return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	}))
	r.Register("memo", source.SourceFunc(func(_ context.Context, ref string) (*content.Document, error) {
		return source.ParseText([]byte("Memo\n\nTeam offsite\nWe meet on Friday."))
	}))
	fmt.Println(r.Schemes())

	doc, err := r.Fetch(context.Background(), "memo:offsite")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Source, doc.FetchedAt.Format(time.RFC3339), doc.Items()[0].Title)

	sample, err := r.Fetch(context.Background(), "sample:")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sample.Title, len(sample.Sections), "sections")

	_, err = r.Fetch(context.Background(), "gdocs:1AbC")
	fmt.Println(content.ClassOf(err))
	// Output:
	// [memo sample]
	// memo:offsite 2026-11-25T09:00:00Z Team offsite
	// Breathscape Living Document 4 sections
	// invalid_content
}
