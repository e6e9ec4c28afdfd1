package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histSubBits is the precision of latencyHistogram: 2^histSubBits buckets
// per power of two, so a recorded value is known to within 1/128 (0.8 %).
const histSubBits = 7

// histBuckets covers every non-negative int64 nanosecond count.
const histBuckets = (64 - histSubBits) << histSubBits

// latencyHistogram counts durations in log-linear buckets, like an HDR
// histogram: values below 128 ns exactly, larger ones within 0.8 %. It has
// a fixed size (58 KiB) whatever the number of samples, and is safe for
// concurrent use (atomic counters), so every worker records into one.
type latencyHistogram struct {
	counts [histBuckets]atomic.Int64
	n      atomic.Int64
	sum    atomic.Int64
	min    atomic.Int64 // valid when n > 0
	max    atomic.Int64
}

func newLatencyHistogram() *latencyHistogram {
	h := &latencyHistogram{}
	h.min.Store(math.MaxInt64)
	return h
}

// histIndex returns the bucket of v (v ≥ 0).
func histIndex(v int64) int {
	shift := max(0, bits.Len64(uint64(v))-histSubBits-1)
	return shift<<histSubBits + int(uint64(v)>>shift)
}

// histBounds returns the smallest value of bucket i and the bucket's width.
func histBounds(i int) (low, width int64) {
	shift := 0
	if i >= 2<<histSubBits {
		shift = i>>histSubBits - 1
	}
	return int64(i-shift<<histSubBits) << shift, int64(1) << shift
}

// record adds one duration; negative durations (clock steps between two
// processes) count as zero.
func (h *latencyHistogram) record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[histIndex(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for cur := h.min.Load(); v < cur && !h.min.CompareAndSwap(cur, v); cur = h.min.Load() {
	}
	for cur := h.max.Load(); v > cur && !h.max.CompareAndSwap(cur, v); cur = h.max.Load() {
	}
}

// quantile returns the value at fraction q (0.5 for the median) of the
// recorded values: the middle of the bucket holding the value of rank
// ceil(q·n), kept within the recorded minimum and maximum; q ≤ 0 and q ≥ 1
// give the exact minimum and maximum. Zero when empty.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	switch {
	case n == 0:
		return 0
	case q <= 0:
		return time.Duration(h.min.Load())
	case q >= 1:
		return time.Duration(h.max.Load())
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			low, width := histBounds(i)
			v := low + (width-1)/2
			return time.Duration(min(max(v, h.min.Load()), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// latencySummary is the JSON form of a histogram, in milliseconds.
type latencySummary struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// summary returns the histogram's count, mean and percentiles.
func (h *latencyHistogram) summary() latencySummary {
	n := h.n.Load()
	if n == 0 {
		return latencySummary{}
	}
	return latencySummary{
		Count: n, Mean: ms(time.Duration(h.sum.Load() / n)), Min: ms(time.Duration(h.min.Load())),
		P50: ms(h.quantile(0.50)), P90: ms(h.quantile(0.90)), P95: ms(h.quantile(0.95)),
		P99: ms(h.quantile(0.99)), P999: ms(h.quantile(0.999)), Max: ms(time.Duration(h.max.Load())),
	}
}
