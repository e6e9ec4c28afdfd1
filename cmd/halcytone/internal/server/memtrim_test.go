package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestIdleTrim(t *testing.T) {
	var requests int64
	trims := 0
	it := &idleTrim{requests: func() int64 { return requests }, trim: func() { trims++ }}
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
}
