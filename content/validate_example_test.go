package content_test

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
)

func ExampleDefaultValidator_ValidateContent() {
	c, err := content.Decode([]byte(`{
		"type": "update",
		"title": "Breathscape 2.3 brings calmer reminders",
		"content": "Guided sessions arrive today.",
		"priority": 2,
		"channels": ["web"],
		"tags": ["App", " app ", "sleep"],
		"scheduled_for": "2026-03-07T09:00:00Z",
		"featured": true,
		"dry_run": true
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	v := &content.DefaultValidator{
		Now:      func() time.Time { return time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) },
		Location: time.UTC,
	}
	r := v.ValidateContent(context.Background(), c)
	fmt.Println("valid:", r.Valid)
	for _, i := range r.Issues {
		fmt.Println("error:", i)
	}
	for _, i := range r.Warnings {
		fmt.Println("warning:", i.Field, i.Code)
	}
	fmt.Println("publish at:", r.Metadata.OptimalPublishTime)
	// Output:
	// valid: false
	// error: dry_run: dry_run and featured exclude each other (conflict)
	// warning: scheduled_for weekend
	// warning: channels missing_email_channel
	// publish at: 2026-03-05T10:00:00Z
}
