package server

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
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
	idleTrimCheck   = time.Second // also how often the GC floor adapts
	idleTrimMaxLive = 64 << 20    // bytes of live heap
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

// The GC floor: a small live heap (5 MB while previews are generated)
// makes the collector run very often under load, since by default it runs
// whenever the heap has grown by the live heap's size (GOGC=100): about 60
// collections a second at 1,000 previews a second, a fifth of their CPU.
// While requests arrive, gcFloor raises the GC percent so that the heap
// goal is at least its floor (never below the process's own percent and
// never above gcFloorMaxPercent); once a tick passes without a request it
// sets the process's own percent back, so an idle server's heap, which the
// idle trim then returns, is as small as without it. A large live heap
// gets the process's own percent: the floor only matters while the heap is
// small. The percent is process-wide, so only one server per process
// (serve's) turns it on (Config.GCFloor).
const gcFloorMaxPercent = 1000

// gcFloorOwned is set while a server runs its GC floor. The GC percent is
// one per process, so a second server in the process (tests start many)
// leaves it alone rather than fight over it, or take the first one's
// raised percent for the process's own.
var gcFloorOwned atomic.Bool

// gcFloor decides the GC percent at each tick.
type gcFloor struct {
	floor    uint64            // bytes: the least heap goal while busy
	base     int               // the process's own GC percent
	requests func() int64      // requests served so far
	live     func() uint64     // bytes of live heap after the last collection
	set      func(percent int) // debug.SetGCPercent

	seen    int64
	current int
}

// percent is the GC percent that gives a heap goal of at least g.floor for
// a live heap of live bytes.
func (g *gcFloor) percent(live uint64) int {
	if live == 0 || g.floor <= live {
		return g.base
	}
	p := min(g.floor/live, gcFloorMaxPercent)*100 + g.floor%live*100/live - 100
	return max(g.base, min(int(p), gcFloorMaxPercent))
}

// tick sets the percent for the requests served since the last tick: the
// floor's when any arrived, the process's own when none did.
func (g *gcFloor) tick() {
	want := g.base
	if n := g.requests(); n != g.seen {
		g.seen = n
		want = g.percent(g.live())
	}
	if want != g.current {
		g.set(want)
		g.current = want
	}
}

// startIdleTrim runs the idle memory trim, and the GC floor when
// Config.GCFloor is set, until ctx ends or the returned function is
// called.
func (s *Server) startIdleTrim(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t := &idleTrim{requests: s.stats.count, live: heapLive, trim: debug.FreeOSMemory}
	var floor *gcFloor
	if s.cfg.GCFloor > 0 && gcFloorOwned.CompareAndSwap(false, true) {
		// Reading the percent means setting it; set it back at once.
		base := debug.SetGCPercent(100)
		debug.SetGCPercent(base)
		if base > 0 {
			floor = &gcFloor{floor: uint64(s.cfg.GCFloor), base: base, current: base,
				requests: s.stats.count, live: heapLive, set: func(p int) { debug.SetGCPercent(p) }}
		} else {
			gcFloorOwned.Store(false)
		}
	} else if s.cfg.GCFloor > 0 {
		s.log.Warn("another server in this process runs the GC floor; this one does not")
	}
	go func() {
		defer close(done) // last: the percent is the process's own again when stop returns
		if floor != nil {
			defer gcFloorOwned.Store(false)
			defer floor.set(floor.base)
		}
		tick := time.NewTicker(idleTrimCheck)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				if floor != nil {
					floor.tick()
				}
				t.tick(now)
			}
		}
	}()
	return func() { cancel(); <-done }
}
