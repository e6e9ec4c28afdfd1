package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/publishtest"
)

// conformanceFake adapts the fake Slack to publishtest.Fake: its failure
// names are publishtest's.
type conformanceFake struct{ *fakeSlack }

// FailNext makes the next n webhook posts fail as k.
func (f conformanceFake) FailNext(k publishtest.FailureKind, n int) { f.failNext(failure(k), n) }

// newSlack starts a fake Slack, closed when t ends, and a publisher wired
// to it; edit, when not nil, changes the configuration first.
func newSlack(t *testing.T, edit func(*SlackConfig)) (*Slack, *fakeSlack) {
	t.Helper()
	f := startFakeSlack()
	t.Cleanup(f.Close)
	cfg := SlackConfig{WebhookURL: f.webhookURL(), APIURL: f.apiURL(), Token: fakeToken, SlackChannel: fakeChannel, Client: &http.Client{}}
	if edit != nil {
		edit(&cfg)
	}
	p, err := NewSlack(cfg)
	require.NoError(t, err)
	return p, f
}

func bundle() *content.Bundle {
	return &content.Bundle{Title: "Breathscape news", Hash: "h1", Channels: []content.Channel{content.ChannelWebsite},
		WebPost: &content.WebPost{Title: "Wind-down sessions", Excerpt: "A 4-in, 6-out pacer for the last ten minutes of your day."}}
}

func delivery(key string) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, JobID: "job-" + key, Channel: content.ChannelWebsite, Bundle: bundle()}
}

func TestConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			p, f := newSlack(t, nil)
			return p, conformanceFake{f}
		},
		Bundle: bundle,
		Invalid: func() *content.Bundle {
			b := bundle()
			b.WebPost.Excerpt = strings.Repeat("x", SlackMaxText+1)
			return b
		},
	})
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	s := out.String()
	for _, want := range []string{
		"Validate:       no issues",
		"(too_long)",
		`"metadata":{"event_type":"halcytone_delivery"`,
		"(messages in the channel: 0)",
		"(messages in the channel: 1)\nPublish again:  the first receipt",
		"server_error         → retryable",
		"rate_limit           → rate_limited (retry after 2s)",
		"expired_token        → auth_expired",
		"malformed_json       → outcome_unknown",
		"html_error_page      → retryable",
		"accept_then_timeout  → outcome_unknown",
		"in the channel's history (new messages: 0)",
		"With publish.WithRetry: a 500, then posted (new messages: 1)",
		"The Slack channel holds 3 messages (0 duplicates)",
	} {
		assert.Contains(t, s, want)
	}
}

func TestMessageIsEscapedMrkdwn(t *testing.T) {
	p, f := newSlack(t, nil)
	b := bundle()
	b.WebPost.Title = "Sleep & focus <beta>"
	d := delivery("k-escape")
	d.Bundle = b
	_, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	msgs := f.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "*Sleep &amp; focus &lt;beta&gt;*\nA 4-in, 6-out pacer for the last ten minutes of your day.", msgs[0].Text)
	assert.Equal(t, "k-escape", msgs[0].Metadata.EventPayload["idempotency_key"])
}

func TestNewsletterBundle(t *testing.T) {
	p, _ := newSlack(t, func(c *SlackConfig) { c.Channel = content.ChannelEmail })
	b := bundle() // with a web post too: email announces the newsletter
	b.Newsletter = &content.Newsletter{Subject: "Breathscape news", PreviewText: "Three updates"}
	pv, err := p.Preview(t.Context(), publish.Delivery{IdempotencyKey: "k", Channel: content.ChannelEmail, Bundle: b})
	require.NoError(t, err)
	assert.Contains(t, string(pv.Payload), `"text":"*Breathscape news*\nThree updates"`)
	assert.Equal(t, content.ChannelEmail, p.Channel())

	issues := p.Validate(t.Context(), &content.Bundle{Newsletter: &content.Newsletter{}})
	require.Len(t, issues, 1)
	assert.Equal(t, content.CodeRequired, issues[0].Code)
}

func TestUnknownOutcomeIsReconciledNotResent(t *testing.T) {
	p, f := newSlack(t, nil)
	f.failNext(failAcceptThenTimeout, 1)
	ctx, cancel := context.WithTimeout(t.Context(), stallTimeout)
	_, err := p.Publish(ctx, delivery("k1"))
	cancel()
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)
	require.Equal(t, 1, f.Posts(), "the fake took the message before stalling")

	r, err := p.Publish(t.Context(), delivery("k1"))
	require.NoError(t, err)
	assert.Equal(t, "k1", r.ExternalID)
	assert.False(t, r.At.IsZero(), "the time comes from the message's ts")
	assert.Equal(t, 1, f.Posts(), "found in the history, not posted again")
}

func TestUnknownOutcomeWithoutTokenIsNotResent(t *testing.T) {
	p, f := newSlack(t, func(c *SlackConfig) { c.Token = "" })
	f.failNext(failGarbled, 1)
	_, err := p.Publish(t.Context(), delivery("k1"))
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)

	_, err = p.Publish(t.Context(), delivery("k1"))
	assert.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "without a token the key cannot be checked: %v", err)
	_, ok, err := p.Lookup(t.Context(), "k1")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, 0, f.Posts())
}

func TestLookupWithARefusedToken(t *testing.T) {
	p, _ := newSlack(t, func(c *SlackConfig) { c.Token = "xoxb-revoked" })
	_, _, err := p.Lookup(t.Context(), "k1")
	assert.Equal(t, content.AuthExpired, content.ClassOf(err), "%v", err)
}

func TestConcurrentPublishOfOneKeyPostsOnce(t *testing.T) {
	p, f := newSlack(t, nil)
	var wg sync.WaitGroup
	receipts := make(chan publish.Receipt, 8)
	for range 8 {
		wg.Go(func() {
			r, err := p.Publish(t.Context(), delivery("k1"))
			if err != nil {
				assert.Equal(t, content.Retryable, content.ClassOf(err), "a key being sent is retryable: %v", err)
				return
			}
			receipts <- r
		})
	}
	wg.Wait()
	close(receipts)
	n := 0
	for r := range receipts {
		n++
		assert.Equal(t, "k1", r.ExternalID)
	}
	assert.Positive(t, n)
	assert.Equal(t, 1, f.Posts())
	assert.Equal(t, 0, f.Duplicates())
}

func TestNewSlackRefusesABadWebhook(t *testing.T) {
	for _, u := range []string{"", "hooks.slack.com/services/x", "ftp://hooks.slack.com/x"} {
		_, err := NewSlack(SlackConfig{WebhookURL: u})
		assert.Error(t, err, "%q", u)
	}
}

func TestTSTime(t *testing.T) {
	assert.Equal(t, time.Unix(1732000000, 100_000).UTC(), tsTime("1732000000.000100"))
	assert.True(t, tsTime("garbage").IsZero())
}
