package server

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The job list cache: GET /api/v2/jobs is what the dashboard polls,
// hundreds of times a second per open tab, with the same few query
// strings. Its encoded answers are kept and served again while no job was
// written (Engine.JobsVersion is unchanged: exact for the writes of this
// process) and for at most jobListTTL (the bound on staleness for writes
// by other processes, such as another instance on the same PostgreSQL).
const (
	jobListPattern = "GET /api/v2/jobs"
	jobListPath    = "/api/v2/jobs"
	// jobListTTL bounds how long an answer is served again.
	jobListTTL = 250 * time.Millisecond
	// jobListMaxEntries and jobListMaxBytes bound the memory of the cache;
	// answers over jobListMaxEntryBytes are not kept.
	jobListMaxEntries    = 64
	jobListMaxBytes      = 4 << 20
	jobListMaxEntryBytes = 512 << 10
)

// jobListCache keeps encoded answers of GET /api/v2/jobs by query string
// and Accept header. Authentication, rate limits, CORS and correlation
// ids are handled outside it, per request, as for any other route.
type jobListCache struct {
	version func() uint64
	now     func() time.Time // monotonic: the TTL is real time

	mu      sync.RWMutex
	entries map[string]*jobListEntry
	bytes   int
}

// jobListEntry is one kept answer: what the handler set and wrote.
type jobListEntry struct {
	version uint64
	expires time.Time
	status  int
	header  http.Header // the headers the handler set
	body    []byte
}

func newJobListCache(version func() uint64) *jobListCache {
	return &jobListCache{version: version, now: time.Now, entries: map[string]*jobListEntry{}}
}

// wrap serves GET /api/v2/jobs from the cache when it can and fills it
// from next otherwise; every other request goes to next untouched.
func (c *jobListCache) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != jobListPath {
			next.ServeHTTP(w, r)
			return
		}
		key := r.Header.Get("Accept") + "\x00" + r.URL.RawQuery
		version := c.version()
		if e := c.get(key, version); e != nil {
			r.Pattern = jobListPattern // as the mux would: the metrics label routes by it
			h := w.Header()
			for k, v := range e.header {
				h[k] = v
			}
			h.Set("Content-Length", strconv.Itoa(len(e.body)))
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		before := slices.Collect(maps.Keys(w.Header()))
		rec := &jobListRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status != http.StatusOK || rec.overflow {
			return
		}
		header := w.Header().Clone()
		for _, k := range before {
			delete(header, k)
		}
		// The version was read before the answer: a write that committed
		// meanwhile has changed it, and the entry is never served.
		c.put(key, &jobListEntry{version: version, expires: c.now().Add(jobListTTL), status: rec.status, header: header, body: rec.body.Bytes()})
	})
}

// get returns the entry of key when it is current.
func (c *jobListCache) get(key string, version uint64) *jobListEntry {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil || e.version != version || !c.now().Before(e.expires) {
		return nil
	}
	return e
}

// put keeps e under key, making room first: stale entries go, then any.
func (c *jobListCache) put(key string, e *jobListEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.bytes -= len(old.body)
		delete(c.entries, key)
	}
	full := func() bool {
		return len(c.entries) >= jobListMaxEntries || c.bytes+len(e.body) > jobListMaxBytes
	}
	if full() {
		now := c.now()
		for k, old := range c.entries {
			if old.version != e.version || !now.Before(old.expires) {
				c.bytes -= len(old.body)
				delete(c.entries, k)
			}
		}
	}
	for k, old := range c.entries {
		if !full() {
			break
		}
		c.bytes -= len(old.body)
		delete(c.entries, k)
	}
	c.entries[key] = e
	c.bytes += len(e.body)
}

// jobListRecorder passes an answer through and keeps a copy of it, up to
// jobListMaxEntryBytes.
type jobListRecorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (r *jobListRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *jobListRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !r.overflow {
		if r.body.Len()+len(p) > jobListMaxEntryBytes {
			r.overflow = true
			r.body = bytes.Buffer{}
		} else {
			r.body.Write(p)
		}
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *jobListRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
