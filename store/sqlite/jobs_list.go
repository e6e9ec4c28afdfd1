package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/halcytone/halcytone/store"
)

// Listing limits of ListJobs.
const (
	defaultJobLimit = 20
	maxJobLimit     = 500
)

// jobWhere builds the WHERE clause shared by ListJobs and JobStats. With
// channels it selects from job_channels (alias c) joined to jobs (alias j),
// whose copies of status and created_at let one index serve the filter.
type jobWhere struct {
	from  string
	conds []string
	args  []any
	col   string // table alias of status and created_at: "c." or "j."
}

// newJobWhere selects the jobs with one of statuses (any when empty),
// listing one of channels (exact spellings; any when empty), created
// within [after, before).
func newJobWhere(statuses []store.JobStatus, channels []string, after, before time.Time) *jobWhere {
	w := &jobWhere{from: "jobs j", col: "j."}
	if len(channels) > 0 {
		w.from = "job_channels c JOIN jobs j ON j.id = c.job_id"
		w.col = "c."
		w.in("c.channel", channels)
	}
	if len(statuses) > 0 {
		w.in(w.col+"status", statusStrings(statuses))
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

// in adds "col = ?" for one value, "col IN (?, ...)" for several.
func (w *jobWhere) in(col string, values []string) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	if len(values) == 1 {
		w.add(col+" = ?", args...)
		return
	}
	w.add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")+")", args...)
}

// statusStrings converts statuses to their names.
func statusStrings(ss []store.JobStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
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
//
// A channel filter selects every spelling of the channel (see
// store.ChannelKey). The counters first tell which spellings some job of
// f's statuses uses; the page then walks the job_channels index of each
// such spelling, at most Offset+Limit entries apiece, and merges them, so
// that the usual single spelling costs what an exact match does. A job
// has one job_channels row per channel (see insertJobChannels), so
// neither the page nor the total holds a job twice.
func (q *queries) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	limit, err := checkLimit(f.Limit, defaultJobLimit, maxJobLimit, "list jobs")
	if err != nil {
		return store.JobPage{}, err
	}
	if f.Offset < 0 {
		return store.JobPage{}, invalid("list jobs: negative offset %d", f.Offset)
	}
	windowless := f.CreatedAfter.IsZero() && f.CreatedBefore.IsZero()
	page := store.JobPage{Jobs: []store.Job{}}
	var channels []string // the spellings some matching job may use
	if f.Channel != "" {
		var n int
		if channels, n, err = q.usedSpellings(ctx, f.Channel, f.Statuses); err != nil {
			return store.JobPage{}, err
		}
		if len(channels) == 0 {
			return page, nil
		}
		if windowless {
			page.Total = n
		}
	}
	w := newJobWhere(f.Statuses, channels, f.CreatedAfter, f.CreatedBefore)
	cols := "j." + strings.ReplaceAll(jobColumns, ", ", ", j.")
	var rows *sql.Rows
	if len(channels) > 1 {
		// One index walk per spelling, each at most Offset+Limit long.
		arms := make([]string, len(channels))
		var args []any
		for i, ch := range channels {
			aw := newJobWhere(f.Statuses, []string{ch}, f.CreatedAfter, f.CreatedBefore)
			arms[i] = `SELECT * FROM (SELECT c.job_id, c.created_at FROM job_channels c` + aw.sql() +
				` ORDER BY c.created_at DESC, c.job_id DESC LIMIT ?)`
			args = append(append(args, aw.args...), f.Offset+limit)
		}
		// UNION keeps one of the rows of a job listed under two spellings
		// (rows written before insertJobChannels kept one per channel);
		// only the page's rows are joined to jobs.
		rows, err = q.query(ctx, `SELECT `+cols+` FROM (SELECT * FROM (`+strings.Join(arms, ` UNION `)+`)
			ORDER BY created_at DESC, job_id DESC LIMIT ? OFFSET ?) m
			JOIN jobs j ON j.id = m.job_id ORDER BY m.created_at DESC, m.job_id DESC`,
			append(args, limit, f.Offset)...)
	} else {
		rows, err = q.query(ctx, `SELECT `+cols+` FROM `+w.from+w.sql()+
			` ORDER BY `+w.col+`created_at DESC, `+idColumn(w.col)+` DESC LIMIT ? OFFSET ?`,
			append(w.args, limit, f.Offset)...)
	}
	if err != nil {
		return store.JobPage{}, classify(err, "list jobs")
	}
	defer rows.Close()
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
	switch {
	case !windowless:
		err = q.queryRow(ctx, `SELECT COUNT(*) FROM `+w.from+w.sql(), w.args...).Scan(&page.Total)
	case f.Channel == "":
		cw := &jobWhere{}
		cw.add("channel = ''")
		if len(f.Statuses) > 0 {
			cw.in("status", statusStrings(f.Statuses))
		}
		err = q.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM job_counts`+cw.sql(), cw.args...).Scan(&page.Total)
	}
	if err != nil {
		return store.JobPage{}, classify(err, "count jobs")
	}
	return page, nil
}

// usedSpellings returns the spellings of channel (those with its
// store.ChannelKey) that jobs with one of statuses (any when empty) list,
// in byte order, and how many such jobs list one of them, from the
// job_counts counters. A job counts under one spelling of each channel
// (see insertJobChannels), and the counters hold a row per status and
// spelling in use, so reading them all costs little however many jobs
// there are.
func (q *queries) usedSpellings(ctx context.Context, channel string, statuses []store.JobStatus) ([]string, int, error) {
	w := &jobWhere{}
	w.add("channel <> ''")
	w.add("n > 0")
	if len(statuses) > 0 {
		w.in("status", statusStrings(statuses))
	}
	rows, err := q.query(ctx, `SELECT channel, SUM(n) FROM job_counts`+w.sql()+` GROUP BY channel ORDER BY channel`, w.args...)
	if err != nil {
		return nil, 0, classify(err, "count jobs")
	}
	key := store.ChannelKey(channel)
	var used []string
	total := 0
	for rows.Next() {
		var (
			ch string
			n  int
		)
		if err := rows.Scan(&ch, &n); err != nil {
			rows.Close()
			return nil, 0, classify(err, "count jobs")
		}
		if store.ChannelKey(ch) == key {
			used = append(used, ch)
			total += n
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, 0, classify(err, "count jobs")
	}
	return used, total, nil
}

// idColumn is the job ID column of the alias col.
func idColumn(col string) string {
	if col == "c." {
		return "c.job_id"
	}
	return "j.id"
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
	st := store.JobStats{
		ByStatus:               map[store.JobStatus]int{},
		ByChannel:              map[string]int{},
		SucceededByChannel:     map[string]int{},
		AvgProcessingByChannel: map[string]time.Duration{},
		OverTime:               []store.TimeCount{},
	}
	// The matching jobs, as a subquery of IDs and their columns.
	var channels []string
	if f.Channel != "" {
		var err error
		if channels, _, err = q.usedSpellings(ctx, f.Channel, statuses); err != nil {
			return store.JobStats{}, err
		}
		if len(channels) == 0 {
			return st, nil // no job lists the channel
		}
	}
	w := newJobWhere(statuses, channels, f.Start, f.End)
	matching := `SELECT j.id, j.status, j.created_at, j.started_at, j.completed_at FROM ` + w.from + w.sql()
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
