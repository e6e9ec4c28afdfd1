// Command custom-publisher shows a third-party publish.Publisher: Slack,
// through an incoming webhook (slack.go), against a fake Slack served
// in-process (fakeslack.go). It validates, previews and publishes the
// sample document's web post, publishes it again under the same
// idempotency key, looks it up, and shows how each failure of the
// platform lands in the error taxonomy.
//
//	go run ./examples/custom-publisher
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
)

// stallTimeout bounds the publish that the fake accepts and never
// answers.
const stallTimeout = 2 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-publisher:", err)
		os.Exit(1)
	}
}

// run starts a fake Slack, puts the Slack publisher through its paces
// and prints what happened to w.
func run(ctx context.Context, w io.Writer) error {
	fake := startFakeSlack()
	defer fake.Close()
	slack, err := NewSlack(SlackConfig{WebhookURL: fake.webhookURL(), APIURL: fake.apiURL(), Token: fakeToken,
		SlackChannel: fakeChannel, Client: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Publisher %q for channel %s, posting to %s\n\n", slack.Name(), slack.Channel(), fake.srv.URL+fakeWebhookPath+"…")

	doc, err := source.NewRegistry().Fetch(ctx, "sample:")
	if err != nil {
		return err
	}
	b, err := content.NewAssembler().Assemble(ctx, doc, content.Options{Channels: []content.Channel{slack.Channel()}})
	if err != nil {
		return err
	}
	d := publish.Delivery{IdempotencyKey: publish.IdempotencyKey(b.Hash, slack.Channel(), "", "team"),
		JobID: "example", Channel: slack.Channel(), Account: "team", Bundle: b}

	// Validate, and what it refuses.
	fmt.Fprintf(w, "Validate:       %s\n", issues(slack.Validate(ctx, b)))
	big := *b
	post := *b.WebPost
	post.Excerpt = strings.Repeat("Breathe. ", SlackMaxText/9+1)
	big.WebPost = &post
	fmt.Fprintf(w, "Validate, a %d-character excerpt: %s\n", len([]rune(post.Excerpt)), issues(slack.Validate(ctx, &big)))

	// Preview sends nothing.
	pv, err := slack.Preview(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Preview:        %s\n", pv.Payload)
	fmt.Fprintf(w, "                (messages in the channel: %d)\n", fake.Posts())

	// Publish, then again with the same key: one message.
	first, err := slack.Publish(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Publish:        %s %s (messages in the channel: %d)\n", first.Status, first.ExternalID, fake.Posts())
	again, err := slack.Publish(ctx, d)
	if err != nil {
		return err
	}
	if again != first {
		return fmt.Errorf("the same key gave another receipt: %+v, then %+v", first, again)
	}
	fmt.Fprintf(w, "Publish again:  the first receipt, %s (messages in the channel: %d)\n", again.ExternalID, fake.Posts())
	r, ok, err := slack.Lookup(ctx, d.IdempotencyKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Lookup:         found=%t %s\n", ok, r.ExternalID)

	// Each failure of the platform, on a delivery of its own.
	fmt.Fprintln(w, "\nFailures, as the error taxonomy classes them:")
	for _, k := range []failure{failServerError, failRateLimit, failRevoked, failGarbled, failHTMLError, failAcceptThenTimeout} {
		fd := d
		fd.IdempotencyKey = d.IdempotencyKey + "-" + string(k)
		fake.failNext(k, 1)
		pctx, cancel := context.WithTimeout(ctx, stallTimeout)
		_, err := slack.Publish(pctx, fd)
		cancel()
		fmt.Fprintf(w, "  %-20s → %s\n", k, describe(err))
		if k == failAcceptThenTimeout {
			// The message was posted before the timeout: publishing the
			// key again finds it in the channel's history instead of
			// posting it twice.
			before := fake.Posts()
			r, err := slack.Publish(ctx, fd)
			if err != nil {
				return fmt.Errorf("publish after an unknown outcome: %w", err)
			}
			fmt.Fprintf(w, "  %-20s   publishing the key again found %s in the channel's history (new messages: %d)\n", "", r.ExternalID, fake.Posts()-before)
		}
	}

	// Middleware composes with it: WithRetry rides out a 500.
	retrying := publish.WithRetry(slack, publish.RetryPolicy{MaxAttempts: 3, Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond})
	rd := d
	rd.IdempotencyKey = d.IdempotencyKey + "-retried"
	fake.failNext(failServerError, 1)
	before := fake.Posts()
	rr, err := retrying.Publish(ctx, rd)
	if err != nil {
		return fmt.Errorf("publish with retry: %w", err)
	}
	fmt.Fprintf(w, "\nWith publish.WithRetry: a 500, then %s (new messages: %d)\n", rr.Status, fake.Posts()-before)

	fmt.Fprintf(w, "\nThe Slack channel holds %d messages (%d duplicates):\n", fake.Posts(), fake.Duplicates())
	for _, m := range fake.Messages() {
		line, _, _ := strings.Cut(m.Text, "\n")
		key := ""
		if m.Metadata != nil {
			key = m.Metadata.EventPayload["idempotency_key"]
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", m.TS, line, key)
	}
	if fake.Duplicates() > 0 {
		return errors.New("a key was posted twice")
	}
	return nil
}

// issues summarises Validate's findings.
func issues(is []content.Issue) string {
	if len(is) == 0 {
		return "no issues"
	}
	var s []string
	for _, i := range is {
		s = append(s, i.Error())
	}
	return strings.Join(s, "; ")
}

// describe names the class of a publish error, with its retry-after.
func describe(err error) string {
	if err == nil {
		return "no error"
	}
	var ce *content.Error
	if !errors.As(err, &ce) {
		return "unclassified: " + err.Error()
	}
	s := string(ce.Class)
	if ce.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", ce.RetryAfter)
	}
	return s
}
