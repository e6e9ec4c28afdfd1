package server

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The idle memory trim: after a burst of requests the Go runtime keeps
// the heap it grew and gives the free part back to the OS only slowly, and
// even an idle server allocates (the queue polls its database), so its
// heap keeps growing towards the collector's goal. Once no request has
// arrived for idleTrimAfter, and again every idleTrimAfter while none
// arrives, the server collects and returns its free memory at once
// (debug.FreeOSMemory): one full collection of a small heap each time, and
// nothing while requests flow.
//
// A server whose live heap is large (10,000 WebSocket clients hold ~450
// MiB) is not trimmed: a forced collection of that heap every 30 s would
// cost more than the little free memory it gives back.
const (
	idleTrimAfter   = 30 * time.Second
	idleTrimCheck   = 5 * time.Second
	idleTrimMaxLive = 64 << 20 // bytes of live heap
)

// idleTrim decides when to trim, from the number of requests served.
type idleTrim struct {
	requests func() int64  // requests served so far
	live     func() uint64 // bytes of live heap after the last collection
	trim     func()

	seen int64
	last time.Time // of the last request seen, or of the last trim
}

// tick looks at the request count at now and trims when the server has
// been quiet for idleTrimAfter since its last request or its last trim.
func (t *idleTrim) tick(now time.Time) {
	if n := t.requests(); n != t.seen || t.last.IsZero() {
		t.seen, t.last = n, now
		return
	}
	if now.Sub(t.last) >= idleTrimAfter {
		if t.live() <= idleTrimMaxLive {
			t.trim()
		}
		t.last = now
	}
}

// heapLive reads the live heap of the last collection from runtime/metrics
// (cheap: no stop-the-world, unlike runtime.ReadMemStats).
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// startIdleTrim runs the idle memory trim until ctx ends or the returned
// function is called.
func (s *Server) startIdleTrim(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t := &idleTrim{requests: s.stats.count, live: heapLive, trim: debug.FreeOSMemory}
	go func() {
		defer close(done)
		tick := time.NewTicker(idleTrimCheck)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				t.tick(now)
			}
		}
	}()
	return func() { cancel(); <-done }
}
