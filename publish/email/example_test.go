package email_test

import (
	"context"
	"fmt"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
)

// A newsletter sent through a CRM's bulk API (here the fake CRM) in
// batches of 100, with per-recipient unsubscribe links.
func ExampleCRM() {
	crm := mock.NewCRM("secret")
	crm.Seed(250, 0)
	crm.Start()
	defer crm.Close()

	p, err := email.NewCRM(email.CRMConfig{
		Endpoint:       crm.URL(),
		APIKey:         "secret",
		UnsubscribeURL: "https://example.com/unsubscribe?e={{email}}",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b := &content.Bundle{Hash: "abc", Newsletter: &content.Newsletter{
		Subject: "News", HTML: `<p>Hi {{name}}</p><a href="{{unsubscribe_url}}">unsubscribe</a>`,
	}}
	d := publish.Delivery{
		IdempotencyKey: publish.IdempotencyKey(b.Hash, content.ChannelEmail, "", ""),
		Channel:        content.ChannelEmail, Bundle: b,
	}
	r, err := p.Publish(context.Background(), d)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent:", r.Sent, "batches:", len(crm.Batches(d.IdempotencyKey)))
	html, _ := crm.Batches(d.IdempotencyKey)[0].Render(0)
	fmt.Println(html)
	// Output:
	// sent: 250 batches: 3
	// <p>Hi Subscriber 1</p><a href="https://example.com/unsubscribe?e=subscriber1%40example.com">unsubscribe</a>
}
