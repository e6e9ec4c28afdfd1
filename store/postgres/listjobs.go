package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// Page sizes of ListJobs.
const (
	defaultJobLimit = 20
	maxJobLimit     = 500
)

// jobWhere returns the conditions of f on the jobs table, with spellings
// the channel values f.Channel selects (see usedSpellings). Each uses an
// index: (status, created_at DESC, id DESC), the GIN index on channels
// (whose && finds the jobs listing any of the spellings), or
// (created_at DESC, id DESC) for the window.
func jobWhere(f store.JobFilter, spellings []string) *where {
	var w where
	switch len(f.Statuses) {
	case 0:
	case 1: // walks (status, created_at DESC, id DESC) in list order
		w.add("status = ?", string(f.Statuses[0]))
	default:
		w.add("status = ANY(?::text[])", statusStrings(f.Statuses))
	}
	if f.Channel != "" {
		w.add("channels && ?::text[]", spellings)
	}
	if !f.CreatedAfter.IsZero() {
		w.add("created_at >= ?", f.CreatedAfter)
	}
	if !f.CreatedBefore.IsZero() {
		w.add("created_at < ?", f.CreatedBefore)
	}
	return &w
}

// usedSpellings returns the spellings of channel (those with its
// store.ChannelKey) that the job_counts counters hold for jobs of one of
// statuses (any when empty), in byte order. A job counts under one
// spelling of each channel (see counts.add), so every job listing the
// channel lists one of them. The counters are a row per status and
// spelling in use: reading them costs one small query however many jobs
// there are.
func (q *queries) usedSpellings(ctx context.Context, channel string, statuses []store.JobStatus) ([]string, error) {
	sql := `SELECT DISTINCT channel FROM job_counts WHERE channel <> '' AND n > 0`
	var args []any
	if len(statuses) > 0 {
		sql += ` AND status = ANY($1::text[])`
		args = append(args, statusStrings(statuses))
	}
	rows, err := q.db.Query(ctx, sql+` ORDER BY channel`, args...)
	if err != nil {
		return nil, classify(err, "count jobs")
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, classify(err, "count jobs")
	}
	key := store.ChannelKey(channel)
	used := all[:0]
	for _, ch := range all {
		if store.ChannelKey(ch) == key {
			used = append(used, ch)
		}
	}
	return used, nil
}

// statusStrings converts statuses for a text[] argument.
func statusStrings(ss []store.JobStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// ListJobs returns one page of the jobs that match f, newest first (ties
// by ID descending), and how many match in all. The page and the total go
// to the server in one round trip, after one more for the spellings of
// f.Channel when it is set (see usedSpellings). Without a time window the total is a
// sum over the job_counts rows of f's statuses and the spellings of f's
// channel, not a count of jobs, so that it stays cheap however many jobs
// there are (a job counts under one spelling of each channel: see
// counts.add).
func (q *queries) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return store.JobPage{}, invalid("list jobs: negative limit %d or offset %d", f.Limit, f.Offset)
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = defaultJobLimit
	case limit > maxJobLimit:
		limit = maxJobLimit
	}
	var spellings []string
	if f.Channel != "" {
		var err error
		if spellings, err = q.usedSpellings(ctx, f.Channel, f.Statuses); err != nil {
			return store.JobPage{}, err
		}
		if len(spellings) == 0 {
			return store.JobPage{Jobs: []store.Job{}}, nil // no job of f's statuses lists the channel
		}
	}
	w := jobWhere(f, spellings)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+jobColumns+` FROM jobs`+w.sql()+
		` ORDER BY created_at DESC, id DESC LIMIT `+w.next(0)+` OFFSET `+w.next(1),
		append(w.args[:len(w.args):len(w.args)], limit, f.Offset)...)
	if f.CreatedAfter.IsZero() && f.CreatedBefore.IsZero() {
		var cw where
		if f.Channel == "" {
			cw.add("channel = ?", "") // counts every job
		} else {
			cw.add("channel = ANY(?::text[])", spellings)
		}
		if len(f.Statuses) > 0 {
			cw.add("status = ANY(?::text[])", statusStrings(f.Statuses))
		}
		b.Queue(`SELECT coalesce(sum(n), 0)::bigint FROM job_counts`+cw.sql(), cw.args...)
	} else {
		b.Queue(`SELECT count(*) FROM jobs`+w.sql(), w.args...)
	}
	br := q.db.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return store.JobPage{}, classify(err, "list jobs")
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Job, error) {
		j, err := scanJob(r)
		if err != nil {
			return store.Job{}, err
		}
		return *j, nil
	})
	if err != nil {
		return store.JobPage{}, classify(err, "list jobs")
	}
	var total int64
	if err := br.QueryRow().Scan(&total); err != nil {
		return store.JobPage{}, classify(err, "count jobs")
	}
	return store.JobPage{Jobs: jobs, Total: int(total)}, nil
}
