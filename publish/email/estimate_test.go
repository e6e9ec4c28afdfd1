package email_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish/email"
)

func TestDeliverabilityEstimate(t *testing.T) {
	good := &content.Newsletter{Subject: "Offline sessions are here", HTML: "<p>Hi</p><a href=\"" + content.MergeUnsubscribeURL + "\">unsubscribe</a>", Text: "Hi"}
	for _, tc := range []struct {
		name string
		edit func(n *content.Newsletter)
		want float64
	}{
		{"clean", func(*content.Newsletter) {}, 100},
		{"spam trigger", func(n *content.Newsletter) { n.Subject = "Free breathing guide inside" }, 80},
		{"short subject", func(n *content.Newsletter) { n.Subject = "Hi" }, 85},
		{"no text part", func(n *content.Newsletter) { n.Text = "" }, 85},
		{"clipped", func(n *content.Newsletter) { n.HTML += strings.Repeat("x", email.GmailClipBytes) }, 85},
		{"no unsubscribe", func(n *content.Newsletter) { n.HTML = "<p>Hi</p>" }, 80},
		{"capitals", func(n *content.Newsletter) { n.Subject = "OFFLINE SESSIONS ARE HERE" }, 90},
	} {
		n := *good
		tc.edit(&n)
		assert.Equal(t, tc.want, email.DeliverabilityEstimate(&n), tc.name)
	}
	assert.Zero(t, email.DeliverabilityEstimate(nil))
}
