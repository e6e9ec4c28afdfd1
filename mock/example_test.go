package mock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
)

// An Engine wired entirely from mock: in-memory store and queue, a source
// of inline documents and a recording publisher, as a downstream
// project's tests would use it (with mock.RequirePublished in a test).
func Example() {
	ctx := context.Background()
	src := mock.NewSource()
	src.AddText("mem:news", "# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	reg := source.NewRegistry()
	reg.Register("mem", src)
	email := mock.NewRecordingPublisher("email", content.ChannelEmail)
	q := mock.NewQueue(nil)
	eng, err := halcytone.New(halcytone.Config{Store: mock.NewStore(), Sources: reg, Queue: q, Publishers: []publish.Publisher{email}})
	if err != nil {
		fmt.Println(err)
		return
	}
	q.Worker = eng
	if err := q.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = q.Stop(ctx) }()

	res, err := eng.Generate(ctx, halcytone.Request{DocumentID: "mem:news", Channels: []string{"email"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := q.Wait(wctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, len(email.Published()))
	// Output: queued 1
}
