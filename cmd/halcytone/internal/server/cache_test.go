package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cacheClock is a settable clock for Cache tests.
type cacheClock struct {
	mu sync.Mutex
	t  time.Time
}

func newCacheClock() *cacheClock {
	return &cacheClock{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *cacheClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *cacheClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCacheTTL(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now})
	require.True(t, c.Set("a", "A", CacheOptions{}))
	require.True(t, c.Set("b", "B", CacheOptions{TTL: time.Minute}))

	v, ok := c.Get("", "a")
	require.True(t, ok)
	assert.Equal(t, "A", v)

	clk.Advance(2 * time.Minute)
	_, ok = c.Get("", "b")
	assert.False(t, ok, "b outlived its own TTL")
	_, ok = c.Get("", "a")
	assert.True(t, ok, "a lives for the default TTL")

	clk.Advance(DefaultCacheTTL)
	_, ok = c.Get("", "a")
	assert.False(t, ok, "a outlived the default TTL")

	st := c.Stats()
	assert.Equal(t, 0, st.Keys)
	assert.EqualValues(t, 2, st.Hits)
	assert.EqualValues(t, 2, st.Misses)
	assert.EqualValues(t, 2, st.Expired)
	assert.Zero(t, st.Evictions, "expiry is not eviction")
	assert.Zero(t, st.Bytes)
}

func TestCacheLRUEviction(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now, MaxEntries: 2})
	c.Set("a", "A", CacheOptions{})
	c.Set("b", "B", CacheOptions{})
	_, ok := c.Get("", "a") // a is now the most recently used
	require.True(t, ok)
	c.Set("c", "C", CacheOptions{})

	_, ok = c.Get("", "b")
	assert.False(t, ok, "b was the least recently used")
	for _, k := range []string{"a", "c"} {
		_, ok = c.Get("", k)
		assert.True(t, ok, k)
	}
	assert.EqualValues(t, 1, c.Stats().Evictions)
	assert.Equal(t, 2, c.Len())
}

func TestCacheByteBound(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now, MaxBytes: 3 * (1000 + cacheEntryOverhead + 1)})
	for i := range 5 {
		require.True(t, c.Set(fmt.Sprint(i), make([]byte, 1000), CacheOptions{}))
	}
	st := c.Stats()
	assert.Equal(t, 3, st.Keys)
	assert.EqualValues(t, 2, st.Evictions)
	assert.LessOrEqual(t, st.Bytes, int64(3*(1000+cacheEntryOverhead+1)))

	assert.False(t, c.Set("huge", make([]byte, 1<<20), CacheOptions{}), "a value over the byte bound is not stored")
	assert.Equal(t, 3, c.Len())
}

func TestCacheReplaceKeepsSums(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now})
	c.Set("a", "xxxx", CacheOptions{Tags: []string{"t1"}})
	c.Set("a", "xx", CacheOptions{Tags: []string{"t2"}, Target: CacheTargetAPI})
	st := c.Stats()
	assert.Equal(t, 1, st.Keys)
	assert.EqualValues(t, 2+1+cacheEntryOverhead+2, st.Bytes)
	assert.Equal(t, 1, st.Targets[CacheTargetAPI].Keys)
	assert.Equal(t, 1, st.Targets[CacheTargetLocal].Keys)
	assert.Zero(t, c.InvalidateTags(nil, "t1"), "the old tag went with the old value")
	assert.Equal(t, 1, c.InvalidateTags(nil, "t2"))
	st = c.Stats()
	assert.Zero(t, st.Keys)
	assert.Zero(t, st.Bytes)
	assert.Zero(t, st.Targets[CacheTargetAPI].Keys)
	assert.Zero(t, st.Targets[CacheTargetAPI].Bytes)
}

func TestCacheInvalidation(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now})
	fill := func() {
		c.Clear()
		c.Set("sample:|modern|", 1, CacheOptions{Target: CacheTargetAPI, Tags: []string{"preview", "doc:sample:"}})
		c.Set("sample:|plain|", 2, CacheOptions{Target: CacheTargetAPI, Tags: []string{"preview", "doc:sample:"}})
		c.Set("https://x.test/a|modern|", 3, CacheOptions{Target: CacheTargetAPI, Tags: []string{"preview", "doc:https://x.test/a"}})
		c.Set("doc|https://x.test/a", 4, CacheOptions{Tags: []string{"doc:https://x.test/a"}})
	}
	fill()
	assert.Equal(t, 2, c.InvalidatePattern(nil, "sample:*"))
	assert.Equal(t, 2, c.Len())
	fill()
	assert.Equal(t, 4, c.InvalidatePattern(nil, "*"))
	fill()
	assert.Equal(t, 1, c.InvalidatePattern(nil, "*x.test/a|*"))
	fill()
	assert.Equal(t, 2, c.InvalidateTags(nil, "doc:https://x.test/a"))
	fill()
	assert.Equal(t, 1, c.InvalidateTags([]string{CacheTargetAPI}, "doc:https://x.test/a"), "the api target holds previews only")
	fill()
	assert.Equal(t, 3, c.InvalidateTags(nil, "preview", "doc:sample:"), "an entry counts once")
	fill()
	assert.Equal(t, 2, c.Delete(nil, "sample:|plain|", "doc|https://x.test/a", "absent"))
	fill()
	assert.Zero(t, c.Delete([]string{CacheTargetAPI}, "doc|https://x.test/a"))
	require.NoError(t, c.Invalidate(context.Background(), "sample:|modern|"))
	assert.Equal(t, 3, c.Len())
	assert.Equal(t, 3, c.Clear())
	assert.Zero(t, c.Len())
}

func TestCacheStats(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now, TTL: 100 * time.Second})
	st := c.Stats()
	assert.Zero(t, st.HitRate)
	assert.Zero(t, st.MissRate)
	assert.Zero(t, st.OldestKeyAge)
	assert.Zero(t, st.AvgTTL)

	c.Set("old", "v", CacheOptions{})
	clk.Advance(40 * time.Second)
	c.Set("new", "v", CacheOptions{Target: CacheTargetAPI})
	c.Get(CacheTargetAPI, "new")
	c.Get(CacheTargetAPI, "missing")
	c.Get("", "old")
	c.Get("", "missing")

	st = c.Stats()
	assert.Equal(t, 2, st.Keys)
	assert.EqualValues(t, 2, st.Hits)
	assert.EqualValues(t, 2, st.Misses)
	assert.InDelta(t, 0.5, st.HitRate, 1e-9)
	assert.InDelta(t, 0.5, st.MissRate, 1e-9)
	assert.Equal(t, 40*time.Second, st.OldestKeyAge)
	assert.InDelta(t, 80, st.AvgTTL.Seconds(), 0.01, "remaining lifetimes 60 s and 100 s")
	api := st.Targets[CacheTargetAPI]
	assert.Equal(t, 1, api.Keys)
	assert.EqualValues(t, 1, api.Hits)
	assert.EqualValues(t, 1, api.Misses)
	assert.InDelta(t, 0.5, api.HitRate, 1e-9)
	assert.Equal(t, 2, st.Targets[CacheTargetLocal].Keys)
	assert.InDelta(t, 0.5, c.HitRate(), 1e-9)

	clk.Advance(61 * time.Second) // "old" expired: Stats drops it on the way
	st = c.Stats()
	assert.Equal(t, 1, st.Keys)
	assert.Equal(t, 61*time.Second, st.OldestKeyAge)
	assert.InDelta(t, 39, st.AvgTTL.Seconds(), 0.01)
}

func TestCacheGlobMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at|all", true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"a*", "a", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"*|modern|*", "sample:|modern|", true},
		{"https://*/a|*", "https://x.test/a|plain|", true},
		{"https://*/a|*", "https://x.test/b|plain|", false},
		{"a**b", "axxb", true},
		{"*a*b*", "xxaxxbxx", true},
		{"?", "x", false},
	} {
		assert.Equal(t, tt.want, cacheGlobMatch(tt.pattern, tt.s), "%q ~ %q", tt.pattern, tt.s)
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache(CacheConfig{MaxEntries: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprintf("k%d", (g*7+i)%80)
				c.Set(k, i, CacheOptions{Tags: []string{fmt.Sprintf("t%d", i%5)}})
				c.Get("", k)
				if i%50 == 0 {
					c.InvalidateTags(nil, "t1")
					c.InvalidatePattern(nil, "k1*")
					_ = c.Stats()
				}
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	assert.LessOrEqual(t, st.Keys, 50)
	assert.Equal(t, st.Keys, st.Targets[CacheTargetLocal].Keys)
	c.Clear()
	assert.Zero(t, c.Stats().Bytes)
}

// TestCacheStatsCountOnlyLiveEntries: an entry with a short TTL that sits
// behind an older one with a long TTL is dropped when it expires, so the
// statistics count live entries only (and their average TTL is not
// pulled below zero by the dead).
func TestCacheStatsCountOnlyLiveEntries(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now})
	require.True(t, c.Set("long", "L", CacheOptions{TTL: 90 * time.Second}))
	require.True(t, c.Set("short", "S", CacheOptions{TTL: 60 * time.Second}))
	clk.Advance(75 * time.Second)
	st := c.Stats()
	assert.Equal(t, 1, st.Keys)
	assert.EqualValues(t, 1, st.Expired)
	assert.Equal(t, 15*time.Second, st.AvgTTL)
	_, ok := c.Get("", "long")
	assert.True(t, ok)

	// Cleared, filled and swept again.
	assert.Equal(t, 1, c.Clear())
	require.True(t, c.Set("next", "N", CacheOptions{TTL: time.Second}))
	clk.Advance(time.Minute)
	assert.Zero(t, c.Stats().Keys)
}
