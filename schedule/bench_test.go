package schedule_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// Run with a fixed count, such as:
//
//	go test -run '^$' -bench 'Drain|EnqueueBatch' -benchtime 20000x -count 3 ./schedule/

const benchBatch = 1000

// fill enqueues n jobs in committed batches of benchBatch.
func fill(tb testing.TB, q *schedule.RiverQueue, inTx txRunner, prefix string, n int) {
	tb.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += benchBatch {
		jobs := make([]schedule.Job, 0, benchBatch)
		for i := start; i < min(n, start+benchBatch); i++ {
			jobs = append(jobs, schedule.Job{JobID: prefix + strconv.Itoa(i/100), DeliveryKey: prefix + "-" + strconv.Itoa(i)})
		}
		require.NoError(tb, inTx(ctx, func(tx store.Tx) error {
			_, err := q.EnqueueMany(ctx, tx, jobs)
			return err
		}))
	}
}

// benchDrain measures how fast a started queue works b.N due jobs with a
// no-op worker, with the default (tuned) settings.
func benchDrain(b *testing.B, open func(testing.TB, schedule.Config) (*schedule.RiverQueue, txRunner)) {
	var done atomic.Int64
	finished := make(chan struct{})
	n := int64(b.N)
	w := schedule.WorkerFunc(func(context.Context, schedule.Job, int) error {
		if done.Add(1) == n {
			close(finished)
		}
		return nil
	})
	q, inTx := open(b, schedule.Config{Worker: w})
	fill(b, q, inTx, "drain", b.N)
	b.ResetTimer()
	start := time.Now()
	startQueue(b, q)
	select {
	case <-finished:
	case <-time.After(10 * time.Minute):
		b.Fatalf("drained %d of %d jobs in 10 minutes", done.Load(), n)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

func BenchmarkDrainSQLite(b *testing.B)   { benchDrain(b, openSQLiteQueue) }
func BenchmarkDrainPostgres(b *testing.B) { benchDrain(b, openPostgresQueue) }

// BenchmarkEnqueueBatch measures transactional batch enqueue (InsertManyTx)
// of unique jobs, benchBatch per transaction.
func BenchmarkEnqueueBatch(b *testing.B) {
	for _, k := range backends() {
		b.Run(k.name, func(b *testing.B) {
			q, inTx := k.open(b, schedule.Config{})
			b.ResetTimer()
			start := time.Now()
			fill(b, q, inTx, "batch", b.N)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}
