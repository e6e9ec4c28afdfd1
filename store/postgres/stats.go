package postgres

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// processingMicros is the SQL of a job's processing time in microseconds, NULL
// unless both StartedAt and CompletedAt are set.
const processingMicros = `(extract(epoch FROM completed_at - started_at) * 1000000)`

// JobStats aggregates the jobs created within f's window in SQL: counts by
// status and by channel, average processing times, and counts per time
// bucket (date_bin from the Unix epoch, empty buckets omitted). Three
// aggregate queries go to the server in one round trip; no job row is
// loaded.
func (q *queries) JobStats(ctx context.Context, f store.StatsFilter) (store.JobStats, error) {
	bucket := f.Bucket
	switch {
	case bucket == 0:
		bucket = 24 * time.Hour
	case bucket < time.Microsecond:
		return store.JobStats{}, invalid("job stats: bucket %v: want 0 or at least 1µs", f.Bucket)
	}
	st := store.JobStats{
		ByStatus:               map[store.JobStatus]int{},
		ByChannel:              map[string]int{},
		SucceededByChannel:     map[string]int{},
		AvgProcessingByChannel: map[string]time.Duration{},
	}
	var w where
	if !f.Start.IsZero() {
		w.add("created_at >= ?", f.Start)
	}
	if !f.End.IsZero() {
		w.add("created_at < ?", f.End)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.Channel != "" {
		var statuses []store.JobStatus
		if f.Status != "" {
			statuses = []store.JobStatus{f.Status}
		}
		spellings, err := q.usedSpellings(ctx, f.Channel, statuses)
		if err != nil {
			return store.JobStats{}, err
		}
		if len(spellings) == 0 {
			return st, nil // no job of f's status lists the channel
		}
		w.add("channels && ?::text[]", spellings)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT status, count(*), coalesce(sum(`+processingMicros+`), 0)::float8, count(`+processingMicros+`)
FROM jobs`+w.sql()+` GROUP BY status`, w.args...)
	// By channel list: few distinct lists, each counted once per channel
	// as store.DistinctChannels reads it (one spelling per channel).
	b.Queue(`SELECT channels, count(*), count(*) FILTER (WHERE status = 'completed'),
coalesce(sum(`+processingMicros+`), 0)::float8, count(`+processingMicros+`)
FROM jobs`+w.sql()+` GROUP BY channels`, w.args...)
	b.Queue(`SELECT date_bin(`+w.next(0)+`::interval, created_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS at, count(*)
FROM jobs`+w.sql()+` GROUP BY at ORDER BY at`, append(w.args[:len(w.args):len(w.args)], bucket)...)
	br := q.db.SendBatch(ctx, b)
	defer br.Close()

	var (
		status      string
		n, finished int64
		sumMicros   float64
		doneTotal   int64
		sumTotal    float64
	)
	rows, err := br.Query()
	if err != nil {
		return store.JobStats{}, classify(err, "job stats by status")
	}
	if _, err := pgx.ForEachRow(rows, []any{&status, &n, &sumMicros, &finished}, func() error {
		st.Total += int(n)
		st.ByStatus[store.JobStatus(status)] = int(n)
		sumTotal += sumMicros
		doneTotal += finished
		return nil
	}); err != nil {
		return store.JobStats{}, classify(err, "job stats by status")
	}
	if doneTotal > 0 {
		st.AvgProcessing = micros(sumTotal / float64(doneTotal))
	}

	var (
		channels  []string
		succeeded int64
	)
	type perChannel struct {
		sumMicros float64
		finished  int64
	}
	proc := map[string]*perChannel{}
	rows, err = br.Query()
	if err != nil {
		return store.JobStats{}, classify(err, "job stats by channel")
	}
	if _, err := pgx.ForEachRow(rows, []any{&channels, &n, &succeeded, &sumMicros, &finished}, func() error {
		for _, ch := range store.DistinctChannels(channels) {
			st.ByChannel[ch] += int(n)
			if succeeded > 0 {
				st.SucceededByChannel[ch] += int(succeeded)
			}
			if finished > 0 {
				p := proc[ch]
				if p == nil {
					p = &perChannel{}
					proc[ch] = p
				}
				p.sumMicros += sumMicros
				p.finished += finished
			}
		}
		return nil
	}); err != nil {
		return store.JobStats{}, classify(err, "job stats by channel")
	}
	for ch, p := range proc {
		st.AvgProcessingByChannel[ch] = micros(p.sumMicros / float64(p.finished))
	}

	var at time.Time
	rows, err = br.Query()
	if err != nil {
		return store.JobStats{}, classify(err, "job stats over time")
	}
	if _, err := pgx.ForEachRow(rows, []any{&at, &n}, func() error {
		st.OverTime = append(st.OverTime, store.TimeCount{At: at.UTC(), Count: int(n)})
		return nil
	}); err != nil {
		return store.JobStats{}, classify(err, "job stats over time")
	}
	return st, nil
}

// micros converts a number of microseconds to a Duration, rounded.
func micros(us float64) time.Duration {
	return time.Duration(math.Round(us * 1000))
}
