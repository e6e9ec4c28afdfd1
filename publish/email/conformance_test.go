package email_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/publish/publishtest"
)

// crmFake adapts mock.CRM to publishtest.Fake: a post is a campaign, and
// failures hit batch posts only.
type crmFake struct{ *mock.CRM }

func (f crmFake) Posts() int { return f.Campaigns() }

func (f crmFake) FailNext(k publishtest.FailureKind, n int) {
	switch k {
	case publishtest.ServerError:
		f.FailNextBatch(n, http.StatusInternalServerError, 0)
	case publishtest.RateLimit:
		f.FailNextBatch(n, http.StatusTooManyRequests, 3*time.Second)
	case publishtest.ExpiredToken:
		f.FailNextBatch(n, http.StatusUnauthorized, 0)
	case publishtest.AcceptThenTimeout:
		f.TimeoutNext(n)
	case publishtest.MalformedJSON:
		f.GarbleNextBatch(n, false)
	case publishtest.HTMLErrorPage:
		f.GarbleNextBatch(n, true)
	}
}

func TestCRMConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			fake := mock.StartCRM(t, apiKey)
			fake.Seed(5, 0)
			p, err := email.NewCRM(email.CRMConfig{
				Endpoint: fake.URL(), APIKey: apiKey, MaxTries: 1, // bare: no retries in place
				HTTPClient: &http.Client{Timeout: 500 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			return p, crmFake{fake}
		},
		Bundle:  func() *content.Bundle { return newsletterDelivery("Conformance").Bundle },
		Invalid: func() *content.Bundle { return &content.Bundle{Newsletter: &content.Newsletter{Subject: " "}} },
	})
}
