package server

import (
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdleTrim(t *testing.T) {
	var requests int64
	trims := 0
	live := uint64(4 << 20)
	it := &idleTrim{requests: func() int64 { return requests }, live: func() uint64 { return live }, trim: func() { trims++ }}
	at := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	step := func(d time.Duration) { at = at.Add(d); it.tick(at) }

	step(0)
	step(idleTrimAfter - time.Second)
	assert.Zero(t, trims, "not quiet long enough")
	step(time.Second)
	assert.Equal(t, 1, trims, "quiet for idleTrimAfter: trimmed")
	step(idleTrimAfter - time.Second)
	assert.Equal(t, 1, trims, "not again before idleTrimAfter")
	step(time.Second)
	assert.Equal(t, 2, trims, "again every idleTrimAfter while quiet")
	trims = 1

	// Busy: a request between every two ticks, for longer than the wait.
	for range 20 {
		requests++
		step(idleTrimAfter / 4)
	}
	assert.Equal(t, 1, trims, "never while requests flow")
	step(idleTrimAfter / 2)
	assert.Equal(t, 1, trims)
	step(idleTrimAfter / 2)
	assert.Equal(t, 2, trims, "quiet again: trimmed again")

	live = idleTrimMaxLive + 1
	step(idleTrimAfter)
	assert.Equal(t, 2, trims, "not with a large live heap")
	live = idleTrimMaxLive
	step(idleTrimAfter)
	assert.Equal(t, 3, trims)
}

func TestHeapLive(t *testing.T) {
	runtime.GC()
	assert.Positive(t, heapLive(), "the runtime reports its live heap")
}

func TestGCFloorPercent(t *testing.T) {
	g := &gcFloor{floor: 32 << 20, base: 100}
	assert.Equal(t, 700, g.percent(4<<20), "4 MiB live: a 32 MiB goal is 700 percent more")
	assert.Equal(t, 300, g.percent(8<<20))
	assert.Equal(t, 966, g.percent(3<<20), "32/3 of the live heap: 966 percent more, rounded down")
	assert.Equal(t, 113, g.percent(15<<20))
	assert.Equal(t, 100, g.percent(16<<20), "never below the process's own percent")
	assert.Equal(t, 100, g.percent(32<<20))
	assert.Equal(t, 100, g.percent(500<<20), "a large live heap gets the process's own percent")
	assert.Equal(t, gcFloorMaxPercent, g.percent(1<<20), "capped for a tiny live heap")
	assert.Equal(t, 100, g.percent(0), "no reading yet: the process's own")
	g.base = 400
	assert.Equal(t, 400, g.percent(8<<20), "an operator's higher GOGC stays")
	assert.Equal(t, 700, g.percent(4<<20))
}

func TestGCFloorTick(t *testing.T) {
	var requests int64
	live := uint64(4 << 20)
	var sets []int
	g := &gcFloor{floor: 32 << 20, base: 100, current: 100,
		requests: func() int64 { return requests }, live: func() uint64 { return live },
		set: func(p int) { sets = append(sets, p) }}

	g.tick()
	assert.Empty(t, sets, "no request, no change")
	requests += 5
	g.tick()
	assert.Equal(t, []int{700}, sets, "requests arrived: the floor's percent")
	requests++
	g.tick()
	assert.Equal(t, []int{700}, sets, "set only when it changes")
	live = 8 << 20
	requests++
	g.tick()
	assert.Equal(t, []int{700, 300}, sets, "follows the live heap")
	g.tick()
	assert.Equal(t, []int{700, 300, 100}, sets, "a tick without requests: the process's own percent")
	g.tick()
	assert.Len(t, sets, 3)
}

// gogcPercent reads the process's GC percent without setting it.
func gogcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestGCFloorServer runs the floor in a real server: raised while
// requests arrive, the process's own percent once they stop and after
// Close, and left alone by a second server in the process.
func TestGCFloorServer(t *testing.T) {
	base := gogcPercent()
	require.Positive(t, base)
	a := newTestServer(t, func(c *Config) { c.GCFloor = 1 << 30 })
	require.True(t, gcFloorOwned.Load(), "the first server runs the floor")
	b := newTestServer(t, func(c *Config) { c.GCFloor = 1 << 30 })

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				resp, err := http.Get(a.URL + "/health")
				if err == nil {
					resp.Body.Close()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	assert.Eventually(t, func() bool { return gogcPercent() == gcFloorMaxPercent }, 10*time.Second, 50*time.Millisecond,
		"requests arrive: a 1 GiB floor over a small live heap takes the highest percent")
	close(stop)
	<-done
	assert.Eventually(t, func() bool { return gogcPercent() == base }, 10*time.Second, 50*time.Millisecond,
		"requests stopped: the process's own percent")

	b.Close()
	assert.True(t, gcFloorOwned.Load(), "closing the second server leaves the first one's floor")
	a.Close()
	assert.False(t, gcFloorOwned.Load())
	assert.Equal(t, base, gogcPercent(), "closed: the process's own percent")
}
