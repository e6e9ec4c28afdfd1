package mock

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// Queue is an in-memory schedule.Queue for tests of code that enqueues
// deliveries, without a database. It follows RiverQueue's rules: an entry
// is unique by delivery key unless cancelled or discarded, runs at its
// RunAt once started, and its worker's errors are mapped with
// schedule.Decide (the same retries, snoozes and cancellations). Unlike
// RiverQueue it cannot join the caller's transaction: Enqueue takes
// effect at once, whatever becomes of tx.
type Queue struct {
	// Worker works due entries; set it before Start.
	Worker schedule.Worker
	// Retry is the retry policy given to schedule.Decide.
	Retry schedule.RetryPolicy
	// MaxDelay, when positive, caps every retry and snooze wait so that
	// tests need not wait out real backoffs or retry-afters.
	MaxDelay time.Duration

	mu      sync.Mutex
	seq     int64
	entries []*queueEntry
	ctx     context.Context // set while started
	cancel  context.CancelFunc
	running sync.WaitGroup
}

type queueEntry struct {
	e     schedule.Entry
	timer *time.Timer
}

var _ schedule.Queue = (*Queue)(nil)

// NewQueue returns an empty queue that works entries with w.
func NewQueue(w schedule.Worker) *Queue { return &Queue{Worker: w} }

// Enqueue implements schedule.Queue; tx is ignored.
func (q *Queue) Enqueue(_ context.Context, _ store.Tx, j schedule.Job) (bool, error) {
	if j.JobID == "" || j.DeliveryKey == "" {
		return false, fmt.Errorf("mock: enqueue job %q key %q: job id and delivery key are required: %w",
			j.JobID, j.DeliveryKey, store.ErrInvalid)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, qe := range q.entries {
		if qe.e.Job.DeliveryKey == j.DeliveryKey && qe.e.State != "cancelled" && qe.e.State != "discarded" {
			return false, nil
		}
	}
	q.seq++
	state := "available"
	if time.Until(j.RunAt) > 0 {
		state = "scheduled"
	}
	if j.Attrs != nil {
		attrs := make(map[string]string, len(j.Attrs))
		for k, v := range j.Attrs {
			attrs[k] = v
		}
		j.Attrs = attrs
	}
	qe := &queueEntry{e: schedule.Entry{
		ID: q.seq, Job: j, State: state, MaxAttempts: q.retry().MaxAttempts, ScheduledAt: j.RunAt,
	}}
	q.entries = append(q.entries, qe)
	if q.ctx != nil {
		q.arm(qe, time.Until(j.RunAt))
	}
	return true, nil
}

// Cancel implements schedule.Queue.
func (q *Queue) Cancel(_ context.Context, jobID string) (int, error) {
	if jobID == "" {
		return 0, fmt.Errorf("mock: cancel: empty job id: %w", store.ErrInvalid)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, qe := range q.entries {
		if qe.e.Job.JobID == jobID && queued(qe.e.State) {
			qe.e.State = "cancelled"
			if qe.timer != nil {
				qe.timer.Stop()
			}
			n++
		}
	}
	return n, nil
}

// Start implements schedule.Queue: due entries run at once, the others at
// their time. Workers run with contexts derived from ctx.
func (q *Queue) Start(ctx context.Context) error {
	if q.Worker == nil {
		return schedule.ErrNoWorker
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ctx != nil {
		return nil
	}
	q.ctx, q.cancel = context.WithCancel(ctx)
	for _, qe := range q.entries {
		if queued(qe.e.State) {
			q.arm(qe, time.Until(qe.e.ScheduledAt))
		}
	}
	return nil
}

// Stop implements schedule.Queue: no entry starts after it; it waits for
// running ones until ctx is done, then cancels their contexts.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	if q.ctx == nil {
		q.mu.Unlock()
		return nil
	}
	for _, qe := range q.entries {
		if qe.timer != nil {
			qe.timer.Stop()
		}
	}
	cancel := q.cancel
	q.ctx, q.cancel = nil, nil
	q.mu.Unlock()

	done := make(chan struct{})
	go func() { q.running.Wait(); close(done) }()
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		<-done
		return fmt.Errorf("mock: stop queue: %w", ctx.Err())
	}
}

// Entries returns the entries of jobID, oldest first.
func (q *Queue) Entries(jobID string) []schedule.Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []schedule.Entry
	for _, qe := range q.entries {
		if qe.e.Job.JobID == jobID {
			out = append(out, copyEntry(qe.e))
		}
	}
	return out
}

// Entry returns the latest entry with the delivery key.
func (q *Queue) Entry(deliveryKey string) (schedule.Entry, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := len(q.entries) - 1; i >= 0; i-- {
		if q.entries[i].e.Job.DeliveryKey == deliveryKey {
			return copyEntry(q.entries[i].e), true
		}
	}
	return schedule.Entry{}, false
}

// Wait blocks until no entry is queued or running, or ctx is done. On a
// queue that is not started, queued entries never finish.
func (q *Queue) Wait(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if q.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mock: wait for queue: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func (q *Queue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, qe := range q.entries {
		if queued(qe.e.State) || qe.e.State == "running" {
			return false
		}
	}
	return true
}

func (q *Queue) retry() schedule.RetryPolicy {
	p := q.Retry
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = schedule.DefaultRetryPolicy().MaxAttempts
	}
	return p
}

// arm schedules qe to run after d; q.mu is held and q.ctx set.
func (q *Queue) arm(qe *queueEntry, d time.Duration) {
	ctx := q.ctx
	qe.timer = time.AfterFunc(max(d, 0), func() { q.run(ctx, qe) })
}

// run works qe once and applies schedule.Decide to the result.
func (q *Queue) run(ctx context.Context, qe *queueEntry) {
	q.mu.Lock()
	if q.ctx != ctx || !queued(qe.e.State) {
		q.mu.Unlock()
		return
	}
	q.running.Add(1)
	defer q.running.Done()
	qe.e.State = "running"
	qe.e.Attempt++
	job, attempt, snoozes := qe.e.Job, qe.e.Attempt, qe.e.Snoozes
	q.mu.Unlock()

	err := q.Worker.Work(schedule.WithAttempt(ctx, attempt, snoozes, q.retry()), job, attempt)
	d := schedule.Decide(err, attempt, snoozes, q.retry())

	q.mu.Lock()
	defer q.mu.Unlock()
	delay := d.Delay
	if q.MaxDelay > 0 {
		delay = min(delay, q.MaxDelay)
	}
	switch d.Action {
	case schedule.ActionComplete:
		qe.e.State = "completed"
		return
	case schedule.ActionCancel:
		qe.e.State = "cancelled"
	case schedule.ActionSnooze:
		qe.e.Attempt--
		qe.e.Snoozes++
		qe.e.State = "scheduled"
	case schedule.ActionRetry:
		qe.e.State = "retryable"
	case schedule.ActionDiscard:
		qe.e.State = "discarded"
	}
	if err != nil && d.Action != schedule.ActionSnooze {
		qe.e.Errors = append(qe.e.Errors, err.Error())
	}
	if queued(qe.e.State) {
		qe.e.ScheduledAt = time.Now().Add(delay)
		if q.ctx == ctx {
			q.arm(qe, delay)
		}
	}
}

func queued(state string) bool {
	return state == "available" || state == "scheduled" || state == "retryable"
}

func copyEntry(e schedule.Entry) schedule.Entry {
	e.Errors = append([]string(nil), e.Errors...)
	return e
}
