package social_test

import (
	"context"
	"fmt"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/social"
)

// An X thread posted against the X fake: each part replies to the one
// before, and publishing the same key again posts nothing.
func ExampleX() {
	fake := mock.NewX("token")
	defer fake.Close()
	x, err := social.NewX(social.XConfig{Endpoint: fake.Start(), Token: "token"})
	if err != nil {
		panic(err)
	}
	parts := []string{"1/2 Breathing sessions are back.", "2/2 Tuesdays at 10:00. #breathe"}
	d := publish.Delivery{
		IdempotencyKey: publish.IdempotencyKey("hash", content.ChannelTwitter, content.PlatformTwitter, ""),
		Channel:        content.ChannelTwitter,
		Platform:       content.PlatformTwitter,
		Bundle: &content.Bundle{Social: []content.SocialPost{{
			Platform: content.PlatformTwitter, Text: parts[0], Thread: parts, Hashtags: []string{"#breathe"},
		}}},
	}
	first, err := x.Publish(context.Background(), d)
	if err != nil {
		panic(err)
	}
	again, _ := x.Publish(context.Background(), d)
	tweets := fake.Tweets()
	fmt.Println(len(tweets), tweets[1].ReplyTo == tweets[0].ID, first.ExternalID == again.ExternalID)
	// Output: 2 true true
}
