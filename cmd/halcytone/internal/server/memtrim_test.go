package server

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
