package server

import (
	"context"
	"runtime/debug"
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
const (
	idleTrimAfter = 30 * time.Second
	idleTrimCheck = 5 * time.Second
)

// idleTrim decides when to trim, from the number of requests served.
type idleTrim struct {
	requests func() int64 // requests served so far
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
		t.trim()
		t.last = now
	}
}

// startIdleTrim runs the idle memory trim until ctx ends or the returned
// function is called.
func (s *Server) startIdleTrim(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t := &idleTrim{requests: s.stats.count, trim: debug.FreeOSMemory}
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
