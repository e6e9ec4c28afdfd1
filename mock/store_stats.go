package mock

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/halcytone/halcytone/store"
)

// JobStats implements store.Queries. Buckets start at multiples of
// f.Bucket since the Unix epoch, in UTC.
func (o *ops) JobStats(ctx context.Context, f store.StatsFilter) (store.JobStats, error) {
	if err := o.check(ctx); err != nil {
		return store.JobStats{}, err
	}
	bucket := f.Bucket
	if bucket < 0 {
		return store.JobStats{}, invalid("job stats: negative bucket %v", bucket)
	}
	if bucket == 0 {
		bucket = 24 * time.Hour
	}
	st := store.JobStats{
		ByStatus:               map[store.JobStatus]int{},
		ByChannel:              map[string]int{},
		SucceededByChannel:     map[string]int{},
		AvgProcessingByChannel: map[string]time.Duration{},
	}
	type sum struct {
		total time.Duration
		n     int64
	}
	var all sum
	perChannel := map[string]*sum{}
	buckets := map[int64]int{}
	var statuses []store.JobStatus
	if f.Status != "" {
		statuses = []store.JobStatus{f.Status}
	}
	for _, j := range o.d.jobs {
		if !matchJob(j, statuses, f.Channel, f.Start, f.End) {
			continue
		}
		st.Total++
		st.ByStatus[j.Status]++
		processed := !j.StartedAt.IsZero() && !j.CompletedAt.IsZero()
		d := j.CompletedAt.Sub(j.StartedAt)
		if processed {
			all.total += d
			all.n++
		}
		for _, ch := range store.DistinctChannels(j.Channels) {
			st.ByChannel[ch]++
			if j.Status == store.JobCompleted {
				st.SucceededByChannel[ch]++
			}
			if processed {
				s := perChannel[ch]
				if s == nil {
					s = &sum{}
					perChannel[ch] = s
				}
				s.total += d
				s.n++
			}
		}
		buckets[bucketStart(j.CreatedAt, bucket)]++
	}
	if all.n > 0 {
		st.AvgProcessing = all.total / time.Duration(all.n)
	}
	for ch, s := range perChannel {
		st.AvgProcessingByChannel[ch] = s.total / time.Duration(s.n)
	}
	for _, start := range slices.Sorted(maps.Keys(buckets)) {
		st.OverTime = append(st.OverTime, store.TimeCount{At: time.Unix(0, start).UTC(), Count: buckets[start]})
	}
	return st, nil
}

// bucketStart returns the start, in Unix nanoseconds, of the bucket of
// width w that holds t.
func bucketStart(t time.Time, w time.Duration) int64 {
	ns, width := t.UnixNano(), int64(w)
	r := ns % width
	if r < 0 {
		r += width
	}
	return ns - r
}
