package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// Page sizes of ListJobs.
const (
	defaultJobLimit = 20
	maxJobLimit     = 500
)

// jobWhere returns the conditions of f on the jobs table. Each uses an
// index: (status, created_at DESC, id DESC), the GIN index on channels
// (whose && finds the jobs listing any spelling of the channel), or
// (created_at DESC, id DESC) for the window.
func jobWhere(f store.JobFilter) *where {
	var w where
	switch len(f.Statuses) {
	case 0:
	case 1: // walks (status, created_at DESC, id DESC) in list order
		w.add("status = ?", string(f.Statuses[0]))
	default:
		w.add("status = ANY(?::text[])", statusStrings(f.Statuses))
	}
	if f.Channel != "" {
		w.add("channels && ?::text[]", channelSpellings(f.Channel))
	}
	if !f.CreatedAfter.IsZero() {
		w.add("created_at >= ?", f.CreatedAfter)
	}
	if !f.CreatedBefore.IsZero() {
		w.add("created_at < ?", f.CreatedBefore)
	}
	return &w
}

// channelSpellings are the channel values a channel filter selects: every
// spelling of the channel ParseChannel reads ch as, or ch alone when it
// reads none.
func channelSpellings(ch string) []string {
	c, err := content.ParseChannel(ch)
	if err != nil {
		return []string{ch}
	}
	return content.ChannelSpellings(c)
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
// to the server in one round trip. Without a time window the total is a
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
	w := jobWhere(f)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+jobColumns+` FROM jobs`+w.sql()+
		` ORDER BY created_at DESC, id DESC LIMIT `+w.next(0)+` OFFSET `+w.next(1),
		append(w.args[:len(w.args):len(w.args)], limit, f.Offset)...)
	if f.CreatedAfter.IsZero() && f.CreatedBefore.IsZero() {
		var cw where
		if f.Channel == "" {
			cw.add("channel = ?", "") // counts every job
		} else {
			cw.add("channel = ANY(?::text[])", channelSpellings(f.Channel))
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
