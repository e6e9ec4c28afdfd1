package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// BenchmarkJobThroughput measures jobs through serve's wiring (SQLite
// store, River queue, dry-run publishers): each op is one level-1 job on
// email, generated and delivered, the run ending when all are completed,
// so ns/op is the time per job at full throughput, which the queue's
// polling dominates; cpu-ns/job is the process's CPU time (user and
// system) per job, the cost to compare. "webhooks" adds two
// endpoints subscribed to job.completed and delivery.succeeded (answered
// by a loopback receiver), whose deliveries each job's transactions
// record and whose attempts the same queue makes, the run ending when
// they are delivered too: the cost of the webhooks, measured side by side
// with "no-webhooks".
func BenchmarkJobThroughput(b *testing.B) {
	for _, endpoints := range []int{0, 2} {
		name := "no-webhooks"
		if endpoints > 0 {
			name = "webhooks"
		}
		b.Run(name, func(b *testing.B) {
			var got atomic.Int64 // webhook calls received
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				got.Add(1)
			}))
			defer recv.Close()
			_, a, ctx := startApp(b, []string{"--webhook-allow-private"}, nil)
			for i := range endpoints {
				if err := a.store.CreateWebhook(ctx, &store.Webhook{ID: "wh_bench" + strconv.Itoa(i), URL: recv.URL,
					Events: []string{"job.completed", "delivery.succeeded"}, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
					CreatedAt: time.Now().UTC()}); err != nil {
					b.Fatal(err)
				}
			}
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			cpu0 := processCPU(b)
			b.ResetTimer()
			for n := 1; n <= b.N; n++ {
				res, err := a.engine.Generate(ctx, halcytone.Request{Channels: []string{"email"}, Content: &content.Update{Base: content.Base{
					Title: "Offline sessions, part " + run + "-" + strconv.Itoa(n),
					Body:  "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
				}}})
				if err != nil || res.Status != halcytone.StatusQueued {
					b.Fatalf("generate: %v %v", err, res)
				}
			}
			waitCompleted(b, ctx, a.store, b.N) // timed: the queue's work is the point
			for got.Load() < int64(2*endpoints*b.N) {
				time.Sleep(5 * time.Millisecond)
			}
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/job")
		})
	}
}

// waitCompleted waits until n jobs of st are completed.
func waitCompleted(b *testing.B, ctx context.Context, st store.Store, n int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		page, err := st.ListJobs(ctx, store.JobFilter{Statuses: []store.JobStatus{store.JobCompleted}, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		if page.Total >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs completed after 5 minutes", page.Total, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processCPU returns the CPU time this process has used, in nanoseconds.
func processCPU(b *testing.B) int64 {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
