package server

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// statsWindow is how many recent request durations the percentiles use.
const statsWindow = 4096

// requestStats counts requests for the JSON /metrics and the analytics
// performance figures: totals since start and a ring of recent durations.
type requestStats struct {
	start time.Time

	mu       sync.Mutex
	total    int64
	errors   int64 // status >= 500
	sum      time.Duration
	ring     [statsWindow]time.Duration
	next     int
	filled   bool
	lastSeen [60]int64 // requests per second, by unix second mod 60
	lastSec  [60]int64 // which second each slot holds
}

func newRequestStats() *requestStats { return &requestStats{start: time.Now()} }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (WebSockets).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// count returns the number of requests answered so far.
func (st *requestStats) count() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.total
}

func (st *requestStats) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusSwitchingProtocols || sw.status == 0 {
			return // a WebSocket's lifetime is not a response time
		}
		st.observe(t0, time.Since(t0), sw.status)
	})
}

func (st *requestStats) observe(at time.Time, d time.Duration, status int) {
	sec := at.Unix()
	st.mu.Lock()
	st.total++
	if status >= 500 {
		st.errors++
	}
	st.sum += d
	st.ring[st.next] = d
	st.next++
	if st.next == statsWindow {
		st.next, st.filled = 0, true
	}
	slot := sec % 60
	if st.lastSec[slot] != sec {
		st.lastSec[slot], st.lastSeen[slot] = sec, 0
	}
	st.lastSeen[slot]++
	st.mu.Unlock()
}

// snapshot is a copy of the figures.
type snapshot struct {
	Total          int64
	PerSecond      float64 // over the last minute
	AvgMS          float64
	P95MS, P99MS   float64
	ErrorRate      float64 // 0-1
	SuccessRateOne float64 // 0-1
}

func (st *requestStats) snapshot(now time.Time) snapshot {
	st.mu.Lock()
	s := snapshot{Total: st.total}
	n := st.next
	if st.filled {
		n = statsWindow
	}
	recent := slices.Clone(st.ring[:n])
	var lastMinute int64
	for i, sec := range st.lastSec {
		if now.Unix()-sec < 60 {
			lastMinute += st.lastSeen[i]
		}
	}
	if st.total > 0 {
		s.AvgMS = float64(st.sum) / float64(st.total) / 1e6
		s.ErrorRate = float64(st.errors) / float64(st.total)
	}
	st.mu.Unlock()
	window := min(60, max(1, now.Sub(st.start).Seconds()))
	s.PerSecond = float64(lastMinute) / window
	s.SuccessRateOne = 1 - s.ErrorRate
	if len(recent) > 0 {
		slices.Sort(recent)
		s.P95MS = float64(recent[(len(recent)*95-1)/100]) / 1e6
		s.P99MS = float64(recent[(len(recent)*99-1)/100]) / 1e6
	}
	return s
}
