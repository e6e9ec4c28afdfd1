package web_test

import (
	"context"
	"fmt"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/web"
)

// A web publisher wired to the platform and CDN fakes: publish a post,
// then see what the CDN was asked to purge.
func Example() {
	platform, cdn := mock.NewPlatform("platform-token"), mock.NewCDN("cdn-token")
	defer platform.Close()
	defer cdn.Close()

	pub, err := web.New(web.Config{
		Endpoint:  platform.Start(),
		Token:     "platform-token",
		CDN:       web.CDN{Endpoint: cdn.Start(), Zone: "zone-1", Token: "cdn-token"},
		PurgeURLs: []string{"https://www.example.com/blog/"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b := &content.Bundle{WebPost: &content.WebPost{
		Title: "Breathing better at work", Slug: "breathing-better-at-work",
		HTML: "<p>Slow breathing calms the nervous system.</p>",
	}}
	key := publish.IdempotencyKey("hash", content.ChannelWebsite, "", "")
	r, err := pub.Publish(context.Background(), publish.Delivery{IdempotencyKey: key, Channel: content.ChannelWebsite, Bundle: b})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status, r.URL)
	fmt.Println(cdn.PurgedFiles())
	// Output:
	// published https://www.example.com/blog/breathing-better-at-work
	// [https://www.example.com/blog/breathing-better-at-work https://www.example.com/blog/]
}
