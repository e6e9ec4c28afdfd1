package email_test

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish/email"
)

// BenchmarkNewsletter100k sends a newsletter to 100,000 subscribers through
// the CRM fake on loopback, in batches of 100, at configured rates. It
// reports recipients/s, batches/s and the achieved share of the configured
// batch rate ("rate_share", 1 = the limiter's rate reached).
//
//	go test -run '^$' -bench Newsletter100k -benchtime 1x ./publish/email/
func BenchmarkNewsletter100k(b *testing.B) {
	for _, r := range []rate.Limit{100, 500, rate.Inf} {
		name := fmt.Sprintf("rate=%v", float64(r))
		if r == rate.Inf {
			name = "rate=inf"
		}
		b.Run(name, func(b *testing.B) {
			var elapsed time.Duration
			for i := range b.N {
				b.StopTimer()
				fake := mock.StartCRM(b, apiKey)
				fake.Seed(100_000, 0)
				p, err := email.NewCRM(email.CRMConfig{Endpoint: fake.URL(), APIKey: apiKey, Rate: r, Burst: 1, PageSize: 1000})
				if err != nil {
					b.Fatal(err)
				}
				d := newsletterDelivery(fmt.Sprintf("Bench %d", i))
				b.StartTimer()
				start := time.Now()
				rc, err := p.Publish(b.Context(), d)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if rc.Sent != 100_000 || fake.Duplicates() != 0 {
					b.Fatalf("sent %d, duplicates %d", rc.Sent, fake.Duplicates())
				}
				fake.Close()
			}
			secs := elapsed.Seconds()
			b.ReportMetric(float64(100_000*b.N)/secs, "recipients/s")
			b.ReportMetric(float64(1000*b.N)/secs, "batches/s")
			if r != rate.Inf {
				b.ReportMetric(float64(1000*b.N)/secs/float64(r), "rate_share")
			}
		})
	}
}
