package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/halcytone/halcytone/store"
)

// Listing limits of ListJobs.
const (
	defaultJobLimit = 20
	maxJobLimit     = 500
)

// jobWhere builds the WHERE clause shared by ListJobs and JobStats. With a
// channel it selects from job_channels (alias c) joined to jobs (alias j),
// whose copies of status and created_at let one index serve the filter.
type jobWhere struct {
	from  string
	conds []string
	args  []any
	col   string // table alias of status and created_at: "c." or "j."
}

func newJobWhere(statuses []store.JobStatus, channel string, after, before time.Time) *jobWhere {
	w := &jobWhere{from: "jobs j", col: "j."}
	if channel != "" {
		w.from = "job_channels c JOIN jobs j ON j.id = c.job_id"
		w.col = "c."
		w.add("c.channel = ?", channel)
	}
	if len(statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")
		args := make([]any, len(statuses))
		for i, st := range statuses {
			args[i] = string(st)
		}
		w.add(w.col+"status IN ("+marks+")", args...)
	}
	if !after.IsZero() {
		w.add(w.col+"created_at >= ?", after.UnixMicro())
	}
	if !before.IsZero() {
		w.add(w.col+"created_at < ?", before.UnixMicro())
	}
	return w
}

func (w *jobWhere) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *jobWhere) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ListJobs returns one page of the jobs matching f, newest first (ties by
// ID descending), and the number of matches. Without a time window the
// total comes from the job_counts counters, so it costs the same with
// 100,000 jobs as with ten.
func (q *queries) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	limit, err := checkLimit(f.Limit, defaultJobLimit, maxJobLimit, "list jobs")
	if err != nil {
		return store.JobPage{}, err
	}
	if f.Offset < 0 {
		return store.JobPage{}, invalid("list jobs: negative offset %d", f.Offset)
	}
	w := newJobWhere(f.Statuses, f.Channel, f.CreatedAfter, f.CreatedBefore)
	cols := "j." + strings.ReplaceAll(jobColumns, ", ", ", j.")
	rows, err := q.query(ctx, `SELECT `+cols+` FROM `+w.from+w.sql()+
		` ORDER BY `+w.col+`created_at DESC, `+idColumn(w.col)+` DESC LIMIT ? OFFSET ?`,
		append(w.args, limit, f.Offset)...)
	if err != nil {
		return store.JobPage{}, classify(err, "list jobs")
	}
	defer rows.Close()
	page := store.JobPage{Jobs: []store.Job{}}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return store.JobPage{}, classify(err, "list jobs")
		}
		page.Jobs = append(page.Jobs, *j)
	}
	if err := rows.Err(); err != nil {
		return store.JobPage{}, classify(err, "list jobs")
	}
	if page.Total, err = q.countJobs(ctx, f, w); err != nil {
		return store.JobPage{}, err
	}
	return page, nil
}

// idColumn is the job ID column of the alias col.
func idColumn(col string) string {
	if col == "c." {
		return "c.job_id"
	}
	return "j.id"
}

// countJobs returns how many jobs match f: from the counters when f has no
// time window, by counting index entries otherwise.
func (q *queries) countJobs(ctx context.Context, f store.JobFilter, w *jobWhere) (int, error) {
	var n int
	var err error
	if f.CreatedAfter.IsZero() && f.CreatedBefore.IsZero() {
		cw := &jobWhere{}
		cw.add("channel = ?", f.Channel)
		if len(f.Statuses) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
			for _, st := range f.Statuses {
				cw.args = append(cw.args, string(st))
			}
			cw.conds = append(cw.conds, "status IN ("+marks+")")
		}
		err = q.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM job_counts`+cw.sql(), cw.args...).Scan(&n)
	} else {
		err = q.queryRow(ctx, `SELECT COUNT(*) FROM `+w.from+w.sql(), w.args...).Scan(&n)
	}
	if err != nil {
		return 0, classify(err, "count jobs")
	}
	return n, nil
}

// JobStats aggregates the jobs created within f's window with SQL
// aggregates, reading no job rows into memory.
func (q *queries) JobStats(ctx context.Context, f store.StatsFilter) (store.JobStats, error) {
	if f.Bucket < 0 {
		return store.JobStats{}, invalid("job stats: negative bucket %v", f.Bucket)
	}
	bucket := f.Bucket
	if bucket == 0 {
		bucket = 24 * time.Hour
	}
	if bucket < time.Microsecond {
		return store.JobStats{}, invalid("job stats: bucket %v is below a microsecond", f.Bucket)
	}
	var statuses []store.JobStatus
	if f.Status != "" {
		statuses = []store.JobStatus{f.Status}
	}
	// The matching jobs, as a subquery of IDs and their columns.
	w := newJobWhere(statuses, f.Channel, f.Start, f.End)
	matching := `SELECT j.id, j.status, j.created_at, j.started_at, j.completed_at FROM ` + w.from + w.sql()
	st := store.JobStats{
		ByStatus:               map[store.JobStatus]int{},
		ByChannel:              map[string]int{},
		SucceededByChannel:     map[string]int{},
		AvgProcessingByChannel: map[string]time.Duration{},
		OverTime:               []store.TimeCount{},
	}
	fail := func(err error) (store.JobStats, error) { return store.JobStats{}, classify(err, "job stats") }

	// Totals by status, and the processing time of finished jobs.
	rows, err := q.query(ctx, `SELECT m.status, COUNT(*),
		COALESCE(SUM(m.completed_at - m.started_at) FILTER (WHERE m.started_at IS NOT NULL AND m.completed_at IS NOT NULL), 0),
		COUNT(*) FILTER (WHERE m.started_at IS NOT NULL AND m.completed_at IS NOT NULL)
		FROM (`+matching+`) m GROUP BY m.status`, w.args...)
	if err != nil {
		return fail(err)
	}
	var procSum, procN int64
	for rows.Next() {
		var (
			status string
			n      int
			sum, k int64
		)
		if err := rows.Scan(&status, &n, &sum, &k); err != nil {
			rows.Close()
			return fail(err)
		}
		st.ByStatus[store.JobStatus(status)] = n
		st.Total += n
		procSum += sum
		procN += k
	}
	if err := closeRows(rows); err != nil {
		return fail(err)
	}
	if procN > 0 {
		st.AvgProcessing = avgMicros(procSum, procN)
	}

	// Per channel: every channel each matching job lists.
	rows, err = q.query(ctx, `SELECT jc.channel, COUNT(*),
		COUNT(*) FILTER (WHERE m.status = 'completed'),
		COALESCE(SUM(m.completed_at - m.started_at) FILTER (WHERE m.started_at IS NOT NULL AND m.completed_at IS NOT NULL), 0),
		COUNT(*) FILTER (WHERE m.started_at IS NOT NULL AND m.completed_at IS NOT NULL)
		FROM (`+matching+`) m JOIN job_channels jc ON jc.job_id = m.id GROUP BY jc.channel`, w.args...)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var (
			channel      string
			n, succeeded int
			sum, k       int64
		)
		if err := rows.Scan(&channel, &n, &succeeded, &sum, &k); err != nil {
			rows.Close()
			return fail(err)
		}
		st.ByChannel[channel] = n
		if succeeded > 0 {
			st.SucceededByChannel[channel] = succeeded
		}
		if k > 0 {
			st.AvgProcessingByChannel[channel] = avgMicros(sum, k)
		}
	}
	if err := closeRows(rows); err != nil {
		return fail(err)
	}

	// Over time: buckets at multiples of the width since the epoch.
	width := bucket.Microseconds()
	rows, err = q.query(ctx, `SELECT b, COUNT(*) FROM (
		SELECT m.created_at - (((m.created_at % ?) + ?) % ?) AS b FROM (`+matching+`) m
	) GROUP BY b ORDER BY b`, append([]any{width, width, width}, w.args...)...)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var tc store.TimeCount
		var b int64
		if err := rows.Scan(&b, &tc.Count); err != nil {
			rows.Close()
			return fail(err)
		}
		tc.At = time.UnixMicro(b).UTC()
		st.OverTime = append(st.OverTime, tc)
	}
	if err := closeRows(rows); err != nil {
		return fail(err)
	}
	return st, nil
}

// avgMicros is sum/n microseconds as a Duration.
func avgMicros(sum, n int64) time.Duration {
	return time.Duration(sum * int64(time.Microsecond) / n)
}

// closeRows closes rows and returns the error of the iteration.
func closeRows(rows interface {
	Err() error
	Close() error
}) error {
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return err
	}
	return rows.Close()
}
