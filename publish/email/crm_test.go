package email_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
)

const apiKey = "crm-key"

func newsletterDelivery(subject string) publish.Delivery {
	b := &content.Bundle{Hash: "h-" + subject, Newsletter: &content.Newsletter{
		Subject: subject,
		HTML:    `<p>Hello {{name}}</p><a href="{{unsubscribe_url}}">unsubscribe</a> <a href="{{preferences_url}}">prefs</a>`,
		Text:    "Hello {{name}}\nUnsubscribe: {{unsubscribe_url}}",
	}}
	return publish.Delivery{
		IdempotencyKey: publish.IdempotencyKey(b.Hash, content.ChannelEmail, "", "list"),
		Channel:        content.ChannelEmail, Account: "list", Bundle: b,
	}
}

func newCRM(t *testing.T, fake *mock.CRM, mod func(*email.CRMConfig)) *email.CRM {
	t.Helper()
	cfg := email.CRMConfig{
		Endpoint: fake.URL(), APIKey: apiKey, Rate: 1000, Burst: 10,
		Backoff:        time.Millisecond,
		UnsubscribeURL: "https://example.com/unsubscribe?e={{email}}",
		PreferencesURL: "https://example.com/preferences/{{id}}",
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := email.NewCRM(cfg)
	require.NoError(t, err)
	return p
}

func TestCRMSendsInBatches(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(1050, 0)
	p := newCRM(t, fake, nil)
	d := newsletterDelivery("November news")

	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 1050, r.Sent)
	assert.Equal(t, "sent", r.Status)
	assert.Equal(t, d.IdempotencyKey, r.ExternalID)
	batches := fake.Batches(d.IdempotencyKey)
	require.Len(t, batches, 11)
	assert.Equal(t, d.IdempotencyKey+":1", batches[0].IdempotencyKey)
	assert.Equal(t, d.IdempotencyKey+":11", batches[10].IdempotencyKey)
	assert.Len(t, batches[10].Recipients, 50)
	assert.Equal(t, 1050, fake.Delivered())
	assert.Equal(t, 0, fake.Duplicates())

	// A second Publish of the same delivery sends nothing.
	r2, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, r, r2)
	assert.Len(t, fake.Batches(d.IdempotencyKey), 11)

	got, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 1050, got.Sent)
	assert.Equal(t, "sent", got.Status)

	_, ok, err = p.Lookup(t.Context(), "hc_unknown")
	require.NoError(t, err)
	assert.False(t, ok)
}

// cancellingCheckpoint cancels a context after its n-th Save, as a process
// that crashes right after a batch was checkpointed.
type cancellingCheckpoint struct {
	email.MemoryCheckpoint
	mu     sync.Mutex
	saves  int
	after  int
	cancel context.CancelFunc
}

func (c *cancellingCheckpoint) Save(ctx context.Context, key, cursor string) error {
	if err := c.MemoryCheckpoint.Save(ctx, key, cursor); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saves++
	if c.saves == c.after && c.cancel != nil {
		c.cancel()
	}
	return nil
}

func TestCRMResumesAfterCrash(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(1050, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cp := &cancellingCheckpoint{after: 5, cancel: cancel}
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.Checkpoint = cp })
	d := newsletterDelivery("Crash test")

	_, err := p.Publish(ctx, d)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	require.Len(t, fake.Batches(d.IdempotencyKey), 5)

	// Half sent is not found, so that the engine publishes again.
	_, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.False(t, ok, "a send interrupted half way is found by Lookup")

	before := len(fake.Requests())
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 1050, r.Sent)

	var posted []string
	for _, req := range fake.Requests()[before:] {
		if req.Method == http.MethodPost {
			posted = append(posted, strings.TrimPrefix(req.Header.Get("Idempotency-Key"), d.IdempotencyKey+":"))
		}
	}
	assert.Equal(t, []string{"6", "7", "8", "9", "10", "11"}, posted)
	assert.Equal(t, 0, fake.Duplicates())
	assert.Equal(t, 1050, fake.Delivered())
}

func TestCRMOutcomeUnknownThenResume(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(1050, 0)
	fake.SetStall(5 * time.Second)
	d := newsletterDelivery("Accepted then timed out")

	// The first batch is recorded, then its answer stalls past the client's
	// timeout: OutcomeUnknown.
	short := newCRM(t, fake, func(c *email.CRMConfig) {
		c.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond}
		c.MaxTries = 1
	})
	fake.TimeoutNext(1)
	_, err := short.Publish(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, content.OutcomeUnknown, content.ClassOf(err))
	require.Len(t, fake.Batches(d.IdempotencyKey), 1)

	// The resume finds batch 1 at the CRM and does not post it again.
	r, err := short.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 1050, r.Sent)
	assert.Len(t, fake.Batches(d.IdempotencyKey), 11)
	assert.Equal(t, 0, fake.Duplicates())
	assert.Equal(t, 1050, fake.Delivered())
}

func TestCRMErrorMarker(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(10, 0)
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.MaxTries = 2 })
	_, err := p.Publish(t.Context(), newsletterDelivery("an error marker"))
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	assert.Zero(t, fake.Delivered())
}

func TestCRMHonoursRetryAfter(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(150, 0)
	p := newCRM(t, fake, nil)
	d := newsletterDelivery("Rate limited")

	// The next requests (campaign lookup, then the list) are answered 429
	// with Retry-After: 1, then the send proceeds.
	fake.FailNext(2, http.StatusTooManyRequests, time.Second)
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 150, r.Sent)
	statuses := map[int]int{}
	for _, req := range fake.Requests() {
		statuses[req.Status]++
	}
	assert.Equal(t, 2, statuses[http.StatusTooManyRequests])
	assert.Equal(t, 2, statuses[http.StatusCreated])
	assert.Equal(t, 0, fake.Duplicates())
}

func TestCRMRetriesBatchOn429(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(250, 0)
	p := newCRM(t, fake, nil)
	d := newsletterDelivery("Batch rate limited")
	fake.FailNextBatch(1, http.StatusTooManyRequests, time.Second)
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 250, r.Sent)
	var posts []int
	for _, req := range fake.Requests() {
		if req.Method == http.MethodPost {
			posts = append(posts, req.Status)
		}
	}
	assert.Equal(t, []int{http.StatusTooManyRequests, http.StatusCreated, http.StatusCreated, http.StatusCreated}, posts)
	assert.Equal(t, 0, fake.Duplicates())
}

func TestCRMRateLimitedBeyondTries(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(10, 0)
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.MaxRetryWait = time.Second })
	fake.FailNext(1, http.StatusTooManyRequests, time.Hour)
	_, err := p.Publish(t.Context(), newsletterDelivery("Too long a wait"))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.RateLimited, ce.Class)
	assert.Equal(t, time.Hour, ce.RetryAfter)
}

func TestCRMTestMode(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(1050, 100) // 10 test recipients
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.TestMode = true })
	d := newsletterDelivery("Test send")
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 10, r.Sent)
	batches := fake.Batches(d.IdempotencyKey)
	require.Len(t, batches, 1)
	for _, rc := range batches[0].Recipients {
		assert.Regexp(t, `^subscriber\d*00@example\.com$`, rc.Email)
	}
}

func TestCRMMergeVariablesEscaped(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.AddSubscribers(mock.CRMSubscriber{ID: "a1", Name: `<script>alert("x")</script>`, Email: "a+b@example.com"})
	p := newCRM(t, fake, func(c *email.CRMConfig) {
		c.PreferencesURL = "javascript:alert(1)//{{id}}"
	})
	d := newsletterDelivery("Merge")
	_, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	batches := fake.Batches(d.IdempotencyKey)
	require.Len(t, batches, 1)
	rc := batches[0].Recipients[0]
	assert.Equal(t, `<script>alert("x")</script>`, rc.Merge["name"])
	assert.Equal(t, "https://example.com/unsubscribe?e=a%2Bb%40example.com", rc.Merge["unsubscribe_url"])
	html, text := batches[0].Render(0)
	assert.Contains(t, html, "Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	assert.NotContains(t, html, "<script>")
	assert.Contains(t, html, `href="https://example.com/unsubscribe?e=a%2Bb%40example.com"`)
	assert.Contains(t, html, `href="#"`, "a javascript: link is neutralised")
	assert.Contains(t, text, `Hello <script>alert("x")</script>`)
}

func TestCRMErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		script func(*mock.CRM)
		key    string
		want   content.ErrorClass
		field  string
	}{
		{"expired key", func(f *mock.CRM) { f.ExpireKey(true) }, apiKey, content.AuthExpired, ""},
		{"wrong key", func(*mock.CRM) {}, "nope", content.AuthExpired, ""},
		{"server error", func(f *mock.CRM) { f.FailNext(10, http.StatusBadGateway, 0) }, apiKey, content.Retryable, ""},
		{"teapot", func(f *mock.CRM) { f.FailNext(1, http.StatusTeapot, 0) }, apiKey, content.Permanent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := mock.StartCRM(t, apiKey)
			fake.Seed(5, 0)
			tt.script(fake)
			p := newCRM(t, fake, func(c *email.CRMConfig) { c.APIKey = tt.key; c.MaxTries = 2 })
			_, err := p.Publish(t.Context(), newsletterDelivery("Classes"))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.want, ce.Class)
			assert.Equal(t, tt.field, ce.Field)
		})
	}
}

func TestCRMInvalidContent(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	p := newCRM(t, fake, nil)
	d := newsletterDelivery("")
	issues := p.Validate(t.Context(), d.Bundle)
	require.Len(t, issues, 1)
	assert.Equal(t, "newsletter.subject", issues[0].Field)
	_, err := p.Publish(t.Context(), d)
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "newsletter.subject", ce.Field)
	assert.Empty(t, fake.Requests())
}

func TestCRMMalformedResponses(t *testing.T) {
	tests := []struct {
		name, body, ctype string
		status            int
		want              content.ErrorClass
	}{
		{"truncated json", `{"subscribers":[{"id":`, "application/json", 200, content.Retryable},
		{"html error page", `<html><body>Bad Gateway</body></html>`, "text/html", 502, content.Retryable},
		{"html 200", `<html>oops</html>`, "text/html", 200, content.Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStaticServer(t, tt.status, tt.ctype, tt.body)
			p, err := email.NewCRM(email.CRMConfig{Endpoint: srv, APIKey: apiKey, MaxTries: 1})
			require.NoError(t, err)
			_, err = p.Publish(t.Context(), newsletterDelivery("Malformed"))
			assert.Equal(t, tt.want, content.ClassOf(err))
		})
	}
}

func TestCRMPreview(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	p := newCRM(t, fake, nil)
	pv, err := p.Preview(t.Context(), newsletterDelivery("Preview"))
	require.NoError(t, err)
	assert.Contains(t, string(pv.Payload), `"subject":"Preview"`)
	assert.Contains(t, string(pv.Payload), `"unsubscribe_url":"https://example.com/unsubscribe?e=subscriber%40example.com"`)
	assert.InDelta(t, 100, pv.Estimates["batch_size"], 0)
	assert.Empty(t, fake.Requests())
}

func TestNewCRMRejectsBadConfig(t *testing.T) {
	for _, cfg := range []email.CRMConfig{
		{Endpoint: "ftp://x", APIKey: "k"},
		{Endpoint: "http://x"},
		{Endpoint: "http://x", APIKey: "k", BatchSize: 5000},
	} {
		_, err := email.NewCRM(cfg)
		assert.Error(t, err)
	}
}

// TestCRMGatewayTimeoutOnAReadIsRetryable: a 504 (or 408) to a GET (the
// campaign lookup, a page of subscribers) changed nothing, so it is
// Retryable, not OutcomeUnknown (which the engine never resends): the
// send goes on and completes.
func TestCRMGatewayTimeoutOnAReadIsRetryable(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	fake.Seed(120, 0)
	d := newsletterDelivery("A gateway timed out")

	once := newCRM(t, fake, func(c *email.CRMConfig) { c.MaxTries = 1 })
	fake.FailNext(1, http.StatusGatewayTimeout, 0) // the first request: GET of the campaign
	_, err := once.Publish(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
	assert.Empty(t, fake.Batches(d.IdempotencyKey))

	fake.FailNext(1, http.StatusRequestTimeout, 0)
	r, err := newCRM(t, fake, nil).Publish(t.Context(), d)
	require.NoError(t, err, "the client's own retry gets past it")
	assert.Equal(t, 120, r.Sent)
	assert.Equal(t, 0, fake.Duplicates())
}
