package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/halcytone/halcytone/store"
)

// countKey is a row of job_counts: jobs of a status listing a channel, or
// all jobs of the status when channel is "".
type countKey struct{ status, channel string }

// counts are pending changes to job_counts, collected while a transaction
// writes jobs and applied by flush just before it commits, so that the
// counter rows, which every job write touches, stay locked only for the
// commit itself.
type counts map[countKey]int64

// add counts a job of status listing channels d times (1 for an insert,
// -1 for the state it leaves). A channel listed twice, in the same or
// another spelling (the same store.ChannelKey), counts once, under
// its first spelling, so that ListJobs's sum over the spellings counts
// the job once.
func (c counts) add(status string, channels []string, d int64) {
	c[countKey{status, ""}] += d
	for _, ch := range store.DistinctChannels(channels) {
		c[countKey{status, ch}] += d
	}
}

// merge adds the changes of o to c.
func (c counts) merge(o counts) {
	for k, d := range o {
		c[k] += d
	}
}

// flush applies the changes in one upsert, rows in key order so that
// concurrent transactions lock counter rows in the same order and cannot
// deadlock, and clears c.
func (c counts) flush(ctx context.Context, db querier) error {
	keys := make([]countKey, 0, len(c))
	for k, d := range c {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		if n := strings.Compare(a.status, b.status); n != 0 {
			return n
		}
		return strings.Compare(a.channel, b.channel)
	})
	statuses := make([]string, len(keys))
	channels := make([]string, len(keys))
	deltas := make([]int64, len(keys))
	for i, k := range keys {
		statuses[i], channels[i], deltas[i] = k.status, k.channel, c[k]
	}
	if _, err := db.Exec(ctx, `INSERT INTO job_counts AS c (status, channel, n)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
ON CONFLICT (status, channel) DO UPDATE SET n = c.n + excluded.n`, statuses, channels, deltas); err != nil {
		return classify(err, "update job counts")
	}
	clear(c)
	return nil
}
