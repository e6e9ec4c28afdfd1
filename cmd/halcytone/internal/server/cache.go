package server

import (
	"container/heap"
	"container/list"
	"context"
	"encoding/json"
	"math"
	"slices"
	"sync"
	"time"
)

// Defaults of a Cache whose CacheConfig leaves them zero.
const (
	DefaultCacheTTL        = 5 * time.Minute
	DefaultCacheMaxEntries = 10000
	DefaultCacheMaxBytes   = 64 << 20
)

// The cache targets of the invalidation endpoints and of the statistics.
// CacheTargetLocal is the whole in-memory Cache; CacheTargetAPI the part
// of it that holds API responses (assembled previews); CacheTargetCDN the
// content delivery network, purged through the function given to
// Server.SetCDNPurger.
const (
	CacheTargetLocal = "local"
	CacheTargetAPI   = "api"
	CacheTargetCDN   = "cdn"
)

// cacheEntryOverhead approximates the bookkeeping bytes of one entry
// (map slot, list elements, entry struct) beyond its key, tags and value.
const cacheEntryOverhead = 160

// CacheConfig configures a Cache.
type CacheConfig struct {
	TTL        time.Duration    // lifetime of an entry set without one; 0: DefaultCacheTTL
	MaxEntries int              // 0: DefaultCacheMaxEntries
	MaxBytes   int64            // approximate bytes of all entries; 0: DefaultCacheMaxBytes
	Now        func() time.Time // nil: time.Now
}

// CacheOptions are the options of one Cache.Set.
type CacheOptions struct {
	// Target is CacheTargetLocal (the default) or CacheTargetAPI; it
	// selects the statistics the entry counts in (the local target counts
	// every entry) and which invalidations reach it.
	Target string
	// TTL is the entry's lifetime; 0 means the cache's TTL.
	TTL time.Duration
	// Tags name groups of entries for InvalidateTags, such as
	// "doc:<source reference>" or "hash:<content hash>".
	Tags []string
	// Size is the value's approximate size in bytes; 0 means estimated
	// (the length of a string or []byte, else of its JSON encoding).
	Size int64
}

// Cache is a bounded in-memory cache of fetched source documents and
// assembled previews. Entries live for a TTL (DefaultCacheTTL by default),
// carry tags for group invalidation, and are evicted least recently used
// first when the cache holds more than MaxEntries entries or MaxBytes
// approximate bytes. Its statistics are kept as running sums, so Stats
// costs the same with one entry or a million.
//
// A cached value is served until it expires or is invalidated: a changed
// source document shows up after the TTL, or at once after an
// invalidation (POST /api/v2/cache/invalidate or the cache webhook).
// Cached values must not be modified by their readers.
//
// Cache is safe for concurrent use. It implements the web publisher's
// Invalidator (see Invalidate).
type Cache struct {
	ttl        time.Duration
	maxEntries int
	maxBytes   int64
	now        func() time.Time
	base       time.Time // origin of expSum

	mu        sync.Mutex
	entries   map[string]*cacheEntry
	lru       *list.List // of *cacheEntry, most recently used first
	age       *list.List // of *cacheEntry, oldest first
	expiry    expiryHeap // of *cacheEntry, soonest to expire first
	tags      map[string]map[string]struct{}
	bytes     int64
	expSum    float64 // sum over entries of (expires - base) in seconds
	hits      int64
	misses    int64
	evictions int64
	expired   int64
	targets   map[string]*cacheCounters
}

type cacheEntry struct {
	key     string
	value   any
	target  string
	tags    []string
	size    int64
	created time.Time
	expires time.Time
	lruEl   *list.Element
	ageEl   *list.Element
	heapIdx int // in Cache.expiry
}

// expiryHeap orders entries by expiry (container/heap), so that a sweep
// finds every expired entry, whatever its TTL, not only the oldest ones.
type expiryHeap []*cacheEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*cacheEntry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// cacheCounters are the running figures of one target.
type cacheCounters struct {
	hits, misses int64
	keys         int
	bytes        int64
}

// CacheStats are a Cache's figures.
type CacheStats struct {
	Keys         int
	Hits         int64
	Misses       int64
	Evictions    int64 // entries dropped to stay within the bounds
	Expired      int64 // entries dropped because their TTL ran out
	Bytes        int64 // approximate
	AvgTTL       time.Duration
	OldestKeyAge time.Duration
	Targets      map[string]CacheTargetStats
	HitRate      float64 // 0-1
	MissRate     float64 // 0-1
	MaxEntries   int
	MaxBytes     int64
	DefaultTTL   time.Duration
}

// CacheTargetStats are the figures of one cache target.
type CacheTargetStats struct {
	Keys    int
	Hits    int64
	Misses  int64
	Bytes   int64
	HitRate float64 // 0-1
}

// NewCache returns an empty Cache.
func NewCache(cfg CacheConfig) *Cache {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultCacheTTL
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultCacheMaxEntries
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultCacheMaxBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache{ttl: cfg.TTL, maxEntries: cfg.MaxEntries, maxBytes: cfg.MaxBytes, now: cfg.Now}
	c.base = c.now()
	c.reset()
	return c
}

// reset empties the cache; the caller holds mu (or owns c).
func (c *Cache) reset() {
	c.entries = map[string]*cacheEntry{}
	c.lru, c.age = list.New(), list.New()
	c.expiry = nil
	c.tags = map[string]map[string]struct{}{}
	c.bytes, c.expSum = 0, 0
	for _, t := range c.targets {
		t.keys, t.bytes = 0, 0
	}
	if c.targets == nil {
		c.targets = map[string]*cacheCounters{CacheTargetLocal: {}, CacheTargetAPI: {}}
	}
}

func (c *Cache) counters(target string) *cacheCounters {
	t := c.targets[target]
	if t == nil {
		t = &cacheCounters{}
		c.targets[target] = t
	}
	return t
}

func cacheNormTarget(target string) string {
	if target == "" {
		return CacheTargetLocal
	}
	return target
}

// Get returns the live value under key, counting a hit or a miss for the
// whole cache and for target ("" means local).
func (c *Cache) Get(target, key string) (any, bool) {
	target = cacheNormTarget(target)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && !now.Before(e.expires) {
		c.remove(e)
		c.expired++
		ok = false
	}
	if !ok {
		c.misses++
		if target != CacheTargetLocal {
			c.counters(target).misses++
		}
		return nil, false
	}
	c.hits++
	if target != CacheTargetLocal {
		c.counters(target).hits++
	}
	c.lru.MoveToFront(e.lruEl)
	return e.value, true
}

// Set stores value under key, replacing any entry of that key, and evicts
// the least recently used entries beyond the bounds. A value larger than
// the byte bound alone is not stored; Set reports whether it was.
func (c *Cache) Set(key string, value any, o CacheOptions) bool {
	size := o.Size
	if size <= 0 {
		size = cacheEstimateSize(value)
	}
	size += int64(len(key)) + cacheEntryOverhead
	for _, t := range o.Tags {
		size += int64(len(t))
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = c.ttl
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.remove(old)
	}
	if size > c.maxBytes {
		return false
	}
	c.sweepLocked(now)
	e := &cacheEntry{key: key, value: value, target: cacheNormTarget(o.Target), tags: slices.Compact(slices.Sorted(slices.Values(o.Tags))), size: size, created: now, expires: now.Add(ttl)}
	e.lruEl = c.lru.PushFront(e)
	e.ageEl = c.age.PushBack(e)
	heap.Push(&c.expiry, e)
	c.entries[key] = e
	for _, t := range e.tags {
		set := c.tags[t]
		if set == nil {
			set = map[string]struct{}{}
			c.tags[t] = set
		}
		set[key] = struct{}{}
	}
	c.bytes += size
	c.expSum += e.expires.Sub(c.base).Seconds()
	c.counters(CacheTargetLocal).keys++
	c.counters(CacheTargetLocal).bytes += size
	if e.target != CacheTargetLocal {
		c.counters(e.target).keys++
		c.counters(e.target).bytes += size
	}
	for len(c.entries) > c.maxEntries || c.bytes > c.maxBytes {
		back := c.lru.Back()
		if back == nil || back.Value.(*cacheEntry) == e {
			break
		}
		c.remove(back.Value.(*cacheEntry))
		c.evictions++
	}
	return true
}

// remove drops e; the caller holds mu.
func (c *Cache) remove(e *cacheEntry) {
	if c.entries[e.key] != e {
		return
	}
	delete(c.entries, e.key)
	c.lru.Remove(e.lruEl)
	c.age.Remove(e.ageEl)
	heap.Remove(&c.expiry, e.heapIdx)
	for _, t := range e.tags {
		if set := c.tags[t]; set != nil {
			delete(set, e.key)
			if len(set) == 0 {
				delete(c.tags, t)
			}
		}
	}
	c.bytes -= e.size
	c.expSum -= e.expires.Sub(c.base).Seconds()
	if len(c.entries) == 0 {
		c.expSum = 0 // no drift from float sums
	}
	local := c.counters(CacheTargetLocal)
	local.keys--
	local.bytes -= e.size
	if e.target != CacheTargetLocal {
		t := c.counters(e.target)
		t.keys--
		t.bytes -= e.size
	}
}

// sweepLocked drops every expired entry, soonest to expire first: each
// entry is dropped once, at O(log n).
func (c *Cache) sweepLocked(now time.Time) {
	for len(c.expiry) > 0 && !now.Before(c.expiry[0].expires) {
		e := c.expiry[0]
		if c.entries[e.key] != e {
			heap.Pop(&c.expiry) // not the cache's any more: never loop on it
			continue
		}
		c.remove(e)
		c.expired++
	}
}

// inTargets reports whether e is reached by an invalidation of targets
// (local reaches every entry).
func (e *cacheEntry) inTargets(targets []string) bool {
	return slices.Contains(targets, CacheTargetLocal) || slices.Contains(targets, e.target)
}

// Delete drops the entries of keys within targets (nil: every target) and
// returns how many there were.
func (c *Cache) Delete(targets []string, keys ...string) int {
	targets = cacheOrAllTargets(targets)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range keys {
		if e, ok := c.entries[k]; ok && e.inTargets(targets) {
			c.remove(e)
			n++
		}
	}
	return n
}

// InvalidateTags drops the entries carrying any of tags within targets
// (nil: every target) and returns how many there were.
func (c *Cache) InvalidateTags(targets []string, tags ...string) int {
	targets = cacheOrAllTargets(targets)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range tags {
		for k := range c.tags[t] {
			if e := c.entries[k]; e != nil && e.inTargets(targets) {
				c.remove(e)
				n++
			}
		}
	}
	return n
}

// InvalidatePattern drops the entries whose key matches the glob pattern
// ("*" matches any run of characters, every other character itself)
// within targets (nil: every target) and returns how many there were.
func (c *Cache) InvalidatePattern(targets []string, pattern string) int {
	targets = cacheOrAllTargets(targets)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, e := range c.entries {
		if e.inTargets(targets) && cacheGlobMatch(pattern, k) {
			c.remove(e)
			n++
		}
	}
	return n
}

// Invalidate drops the entries of keys. It implements the web publisher's
// Invalidator, which names the cache keys of a published post.
func (c *Cache) Invalidate(_ context.Context, keys ...string) error {
	c.Delete(nil, keys...)
	return nil
}

// Clear drops every entry and returns how many there were. The hit and
// miss counts are kept.
func (c *Cache) Clear() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.entries)
	c.reset()
	return n
}

// Len returns the number of entries, expired ones not yet dropped
// included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// HitRate returns hits / (hits + misses), 0 before any lookup.
func (c *Cache) HitRate() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cacheRate(c.hits, c.misses)
}

func cacheRate(hits, misses int64) float64 {
	if hits+misses == 0 {
		return 0
	}
	return float64(hits) / float64(hits+misses)
}

// Stats returns the cache's figures; its cost does not grow with the
// number of entries.
func (c *Cache) Stats() CacheStats {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	st := CacheStats{
		Keys: len(c.entries), Hits: c.hits, Misses: c.misses, Evictions: c.evictions, Expired: c.expired,
		Bytes: c.bytes, HitRate: cacheRate(c.hits, c.misses), MaxEntries: c.maxEntries, MaxBytes: c.maxBytes,
		DefaultTTL: c.ttl, Targets: map[string]CacheTargetStats{},
	}
	if c.hits+c.misses > 0 {
		st.MissRate = 1 - st.HitRate
	}
	if n := len(c.entries); n > 0 {
		avg := c.expSum/float64(n) - now.Sub(c.base).Seconds()
		st.AvgTTL = time.Duration(math.Max(0, avg) * float64(time.Second))
		st.OldestKeyAge = max(0, now.Sub(c.age.Front().Value.(*cacheEntry).created))
	}
	for name, t := range c.targets {
		ts := CacheTargetStats{Keys: t.keys, Hits: t.hits, Misses: t.misses, Bytes: t.bytes, HitRate: cacheRate(t.hits, t.misses)}
		if name == CacheTargetLocal {
			ts.Hits, ts.Misses, ts.HitRate = c.hits, c.misses, st.HitRate
		}
		st.Targets[name] = ts
	}
	return st
}

func cacheOrAllTargets(targets []string) []string {
	if len(targets) == 0 {
		return []string{CacheTargetLocal}
	}
	return targets
}

// cacheEstimateSize approximates the bytes of a cached value.
func cacheEstimateSize(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return int64(len(x))
	case []byte:
		return int64(len(x))
	case json.RawMessage:
		return int64(len(x))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 1024
	}
	return int64(len(b))
}

// cacheGlobMatch reports whether s matches pattern, where "*" matches any run
// of characters (slashes included) and every other byte matches itself.
func cacheGlobMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// cacheHitRate is the content cache's hit rate, 0-1.
func (s *Server) cacheHitRate() float64 { return s.addons().cache.HitRate() }
