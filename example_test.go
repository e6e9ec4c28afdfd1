package halcytone_test

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// The whole path of a living document: parse, assemble for two channels,
// validate.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

	doc, err := source.ParseMarkdown([]byte(`# Breathscape news

## [Breathscape] App updates

### Offline sessions
- **Date:** 2026-11-20
- **Content:** Every guided session can now be saved for offline use, so a flight or a
  basement gym no longer means breathing without a guide.
<!-- channels: email,web; priority: 2 -->
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	bundle, err := content.NewAssembler().Assemble(ctx, doc, content.Options{
		Channels: []content.Channel{content.ChannelEmail, content.ChannelWebsite},
		Template: content.TemplateMinimal,
		Now:      now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	report := content.Check(ctx, &content.DefaultValidator{Now: func() time.Time { return now }}, doc, bundle)

	fmt.Println("items:", len(doc.Items()), "category:", doc.Items()[0].Category)
	fmt.Println("subject:", bundle.Newsletter.Subject)
	fmt.Println("slug:", bundle.WebPost.Slug)
	fmt.Println("valid:", report.Valid)
	// Output:
	// items: 1 category: breathscape
	// subject: Offline sessions
	// slug: offline-sessions
	// valid: true
}
