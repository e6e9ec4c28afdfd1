package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/internal/fifo"
)

// cacheStatsPath is the path of the cache statistics.
const cacheStatsPath = "/api/v2/cache/stats"

// addons is the state of the cache, cache webhook and outgoing webhook
// features of one Server: created once by registerCache, when New
// registers the routes, and reached by the handlers through their
// closures and by methods through Server.addons.
type addons struct {
	cache   *Cache
	replay  *replayGuard
	flights cacheFlights
	seen    *recentKeys        // inline previews asked for once: cached on the second request
	hooks   *webhookDispatcher // set by registerWebhooks

	mu          sync.RWMutex
	cacheSecret []byte                                      // verifies the cache webhook; nil: refuse every call
	cdnPurge    func(ctx context.Context, p CDNPurge) error // nil: no CDN configured
}

// addons returns the state of the cache, webhook and CDN routes, made by
// registerCache in New.
func (s *Server) addons() *addons { return s.extra }

// CDNPurge is what an invalidation asks the CDN to drop; exactly one of
// Keys, Tags and Pattern is set, as the request named them.
type CDNPurge struct {
	Keys    []string // cache keys or URLs
	Tags    []string // cache tags
	Pattern string   // a glob, "*" matching any run of characters
}

// SetCDNPurger configures the CDN purge of invalidations that name the
// "cdn" target (POST /api/v2/cache/invalidate); nil disables it, and the
// cdn target is then reported as not done. Call it before serving.
func (s *Server) SetCDNPurger(purge func(ctx context.Context, p CDNPurge) error) {
	a := s.addons()
	a.mu.Lock()
	a.cdnPurge = purge
	a.mu.Unlock()
}

// Cache returns the server's content cache, for instance to give it to a
// web publisher as its Invalidator.
func (s *Server) Cache() *Cache { return s.addons().cache }

// CacheStatsBody is the response of GET /api/v2/cache/stats.
type CacheStatsBody struct {
	TotalKeys           int                        `json:"total_keys"`
	HitRate             float64                    `json:"hit_rate" doc:"0-1"`
	MissRate            float64                    `json:"miss_rate" doc:"0-1"`
	Hits                int64                      `json:"hits"`
	Misses              int64                      `json:"misses"`
	Evictions           int64                      `json:"evictions"`
	MemoryUsageMB       float64                    `json:"memory_usage_mb" doc:"approximate"`
	AvgTTLSeconds       float64                    `json:"avg_ttl_seconds" doc:"average remaining lifetime of the entries"`
	OldestKeyAgeSeconds float64                    `json:"oldest_key_age_seconds"`
	CacheTargets        map[string]CacheTargetBody `json:"cache_targets"`
}

// CacheTargetBody is one target in the cache statistics.
type CacheTargetBody struct {
	Enabled   bool     `json:"enabled"`
	HitRate   float64  `json:"hit_rate" doc:"0-1"`
	TotalKeys int      `json:"total_keys"`
	MemoryMB  *float64 `json:"memory_mb,omitempty"`
}

// CacheInvalidateRequest is the body of POST /api/v2/cache/invalidate:
// exactly one of pattern, cache_keys and tags. Unknown fields are ignored
// (a dashboard endpoint).
type CacheInvalidateRequest struct {
	Pattern   string   `json:"pattern,omitempty" maxLength:"1024" doc:"glob over cache keys; * matches any run of characters"`
	CacheKeys []string `json:"cache_keys,omitempty" maxItems:"1000"`
	Tags      []string `json:"tags,omitempty" maxItems:"1000"`
	Targets   []string `json:"targets,omitempty" maxItems:"3" doc:"local (default), api, cdn"`
	_         struct{} `json:"-" additionalProperties:"true"`
}

// CacheInvalidateBody is the response of the invalidations.
type CacheInvalidateBody struct {
	Invalidated int       `json:"invalidated" doc:"entries dropped from the local cache"`
	Targets     []string  `json:"targets" doc:"the targets actually invalidated"`
	Timestamp   time.Time `json:"timestamp"`
	Errors      []string  `json:"errors,omitempty" doc:"targets that failed, such as a CDN purge"`
}

// CacheClearBody is the response of POST /api/v2/cache/clear.
type CacheClearBody struct {
	Cleared   int       `json:"cleared"`
	Timestamp time.Time `json:"timestamp"`
}

func cacheMB(b int64) float64 { return float64(b) / (1 << 20) }

func (s *Server) registerCache() {
	c := s.cfg.SharedCache
	if c == nil {
		cc := s.cfg.Cache
		cc.Now = s.now
		c = NewCache(cc)
	}
	a := &addons{cache: c, replay: newReplayGuard(replayMemory), seen: newRecentKeys(inlinePreviewSeen)}
	s.extra = a

	huma.Register(s.api, huma.Operation{
		OperationID: "cache-stats", Method: http.MethodGet, Path: cacheStatsPath, Tags: []string{"cache"},
		Summary:     "Statistics of the content cache",
		Description: "Running figures: the cost does not grow with the number of entries.",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body CacheStatsBody }, error) {
		return &struct{ Body CacheStatsBody }{a.statsBody()}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "cache-invalidate", Method: http.MethodPost, Path: "/api/v2/cache/invalidate", Tags: []string{"cache"},
		Summary:     "Drop cache entries by pattern, keys or tags",
		Description: "Exactly one of pattern, cache_keys and tags. targets: local (the default: every in-memory entry), api (the cached API responses: previews), cdn (when a CDN is configured).",
	}, func(ctx context.Context, in *struct{ Body CacheInvalidateRequest }) (*struct{ Body CacheInvalidateBody }, error) {
		out, err := a.invalidate(ctx, in.Body, "body.", s.now())
		if err != nil {
			return nil, err
		}
		return &struct{ Body CacheInvalidateBody }{out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "cache-clear", Method: http.MethodPost, Path: "/api/v2/cache/clear", Tags: []string{"cache"},
		Summary: "Drop every entry of the local cache",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body CacheClearBody }, error) {
		return &struct{ Body CacheClearBody }{CacheClearBody{Cleared: a.cache.Clear(), Timestamp: s.now().UTC()}}, nil
	})

	s.registerCacheWebhook(a) // cache_webhook.go
}

func (a *addons) statsBody() CacheStatsBody {
	st := a.cache.Stats()
	out := CacheStatsBody{
		TotalKeys: st.Keys, HitRate: st.HitRate, MissRate: st.MissRate, Hits: st.Hits, Misses: st.Misses,
		Evictions: st.Evictions, MemoryUsageMB: cacheMB(st.Bytes), AvgTTLSeconds: st.AvgTTL.Seconds(),
		OldestKeyAgeSeconds: st.OldestKeyAge.Seconds(), CacheTargets: map[string]CacheTargetBody{},
	}
	for name, t := range st.Targets {
		mb := cacheMB(t.Bytes)
		out.CacheTargets[name] = CacheTargetBody{Enabled: true, HitRate: t.HitRate, TotalKeys: t.Keys, MemoryMB: &mb}
	}
	a.mu.RLock()
	cdn := a.cdnPurge != nil
	a.mu.RUnlock()
	out.CacheTargets[CacheTargetCDN] = CacheTargetBody{Enabled: cdn}
	return out
}

// invalidate applies an invalidation request; loc prefixes the field
// names of its errors ("body.").
func (a *addons) invalidate(ctx context.Context, req CacheInvalidateRequest, loc string, now time.Time) (CacheInvalidateBody, error) {
	var given []string
	if req.Pattern != "" {
		given = append(given, "pattern")
	}
	if req.CacheKeys != nil {
		given = append(given, "cache_keys")
	}
	if req.Tags != nil {
		given = append(given, "tags")
	}
	switch len(given) {
	case 0:
		return CacheInvalidateBody{}, invalid(loc+"pattern", "give exactly one of pattern, cache_keys and tags")
	case 1:
	default:
		msg := fmt.Sprintf("give exactly one of pattern, cache_keys and tags, not %s", strings.Join(given, " and "))
		var errs []error
		for _, f := range given[1:] {
			errs = append(errs, &huma.ErrorDetail{Location: loc + f, Message: msg})
		}
		return CacheInvalidateBody{}, huma.Error422UnprocessableEntity(msg, errs...)
	}
	var local, cdn bool
	var targets []string
	for i, t := range req.Targets {
		switch t {
		case CacheTargetLocal, CacheTargetAPI:
			local = true
			targets = append(targets, t)
		case CacheTargetCDN:
			cdn = true
		default:
			return CacheInvalidateBody{}, invalid(fmt.Sprintf("%stargets[%d]", loc, i), "unknown target %q (want local, api or cdn)", t)
		}
	}
	if len(req.Targets) == 0 {
		local, targets = true, []string{CacheTargetLocal}
	}
	out := CacheInvalidateBody{Targets: []string{}, Timestamp: now.UTC()}
	if local {
		switch {
		case req.Pattern != "":
			out.Invalidated = a.cache.InvalidatePattern(targets, req.Pattern)
		case req.CacheKeys != nil:
			out.Invalidated = a.cache.Delete(targets, req.CacheKeys...)
		default:
			out.Invalidated = a.cache.InvalidateTags(targets, req.Tags...)
		}
		for _, t := range targets {
			if !slices.Contains(out.Targets, t) {
				out.Targets = append(out.Targets, t)
			}
		}
	}
	if cdn {
		a.mu.RLock()
		purge := a.cdnPurge
		a.mu.RUnlock()
		if purge != nil {
			if err := purge(ctx, CDNPurge{Keys: req.CacheKeys, Tags: req.Tags, Pattern: req.Pattern}); err != nil {
				out.Errors = append(out.Errors, "cdn: "+err.Error())
			} else {
				out.Targets = append(out.Targets, CacheTargetCDN)
			}
		}
	}
	return out, nil
}

// cachedPreview is GET /api/v1/preview through the cache: the preview of
// a document with a template style and a tone is kept under the key
// "<document_id>|<template>|<tone>" (the template and tone as parsed,
// so "classic" and "modern" share an entry) for the cache's TTL, tagged
// "preview", "doc:<document_id>" and "hash:<content hash>". A document
// that changes at its source is therefore seen once the entry expires
// (5 minutes by default) or is invalidated: by key, by the pattern
// "<document_id>|*" or by the tag "doc:<document_id>". Errors are not
// cached; concurrent misses of one key assemble the preview once.
func (s *Server) cachedPreview(ctx context.Context, documentID, templateStyle, tone string) (GenerateBody, error) {
	req, err := s.generateRequest(ctx, GenerateRequest{DocumentID: documentID, TemplateStyle: templateStyle, Tone: tone})
	if err != nil {
		return GenerateBody{}, err
	}
	key := documentID + "|" + string(req.Template) + "|" + string(req.Tone)
	return s.previewThroughCache(ctx, key, req, CacheOptions{Target: CacheTargetAPI, Tags: []string{"preview", "doc:" + documentID}}, nil)
}

// previewThroughCache answers the preview of req from the cache entry key,
// or makes it and keeps it there with opts (plus the tag
// "hash:<bundle hash>"). admit, when not nil, is asked on a miss whether
// to keep the preview at all; when it says no, the preview is made for
// this caller alone. Otherwise concurrent misses of key make it once.
// Errors are not cached.
func (s *Server) previewThroughCache(ctx context.Context, key string, req halcytone.Request, opts CacheOptions, admit func() bool) (GenerateBody, error) {
	a := s.addons()
	if v, ok := a.cache.Get(CacheTargetAPI, key); ok {
		if body, ok := v.(GenerateBody); ok {
			return body, nil
		}
	}
	if admit != nil && !admit() {
		res, err := s.run(ctx, req, true)
		if err != nil {
			return GenerateBody{}, err
		}
		return generateBody(res), nil
	}
	v, err := a.flights.do(ctx, key, func() (any, error) {
		res, err := s.run(ctx, req, true)
		if err != nil {
			return nil, err
		}
		body := generateBody(res)
		o := opts
		if res.Bundle != nil && res.Bundle.Hash != "" {
			o.Tags = append(slices.Clip(o.Tags), "hash:"+res.Bundle.Hash)
		}
		a.cache.Set(key, body, o)
		return body, nil
	})
	if err != nil {
		return GenerateBody{}, err
	}
	body, ok := v.(GenerateBody)
	if !ok {
		return GenerateBody{}, huma.Error500InternalServerError("preview failed")
	}
	return body, nil
}

// inlinePreviewTTL is how long the preview of inline content is kept: it
// is a pure function of the request but for the clock (the enrichment's
// suggested publish time, checks of publish_at against now), so briefly.
const inlinePreviewTTL = time.Minute

// inlinePreviewSeen is how many recent inline preview requests are
// remembered to tell a repeated one.
const inlinePreviewSeen = 4096

// cachedInlinePreview is POST /api/v2/generate-content with preview_only
// and inline content (content or document, not document_id) through the
// cache: an editor previewing the same text again, or several tabs
// previewing it, is answered from the entry kept under a hash of the
// request ("preview|<sha-256>") for inlinePreviewTTL, tagged "preview" and
// "hash:<bundle hash>". Who asks, dry_run and the correlation ID do not
// change a preview and are not part of the key. A request is cached the
// second time it comes (among the last inlinePreviewSeen), so that
// one-off previews (most are: every keystroke of an editor is new text)
// neither fill the cache nor push out what it serves. Errors are not
// cached; concurrent misses of one key assemble the preview once.
func (s *Server) cachedInlinePreview(ctx context.Context, b GenerateRequest, req halcytone.Request) (GenerateBody, error) {
	b.PreviewOnly, b.DryRun = true, false
	raw, err := json.Marshal(b) // map keys sorted, content compacted
	if err != nil {
		return GenerateBody{}, fmt.Errorf("preview cache key: %w", err)
	}
	sum := sha256.Sum256(raw)
	key := "preview|" + hex.EncodeToString(sum[:])
	seen := s.addons().seen
	return s.previewThroughCache(ctx, key, req, CacheOptions{Target: CacheTargetAPI, TTL: inlinePreviewTTL, Tags: []string{"preview"}},
		func() bool { return seen.again(sum) })
}

// recentKeys remembers the last n hashes it was asked about, in one
// fifo.Map allocated when the first comes (an idle server holds none): no
// allocation per key, so a stream of keys does not scatter small objects
// over the heap. It keeps the first 8 bytes of each hash (a quarter of
// the memory, ~100 KB for 4,096 keys): two requests would have to share
// them to be taken for one, which only caches the second on its first
// arrival.
type recentKeys struct {
	mu   sync.Mutex
	seen *fifo.Map[uint64, struct{}]
}

func newRecentKeys(n int) *recentKeys {
	return &recentKeys{seen: fifo.New[uint64, struct{}](n)}
}

// again reports whether key is among the recent keys, and makes it one.
func (r *recentKeys) again(key [sha256.Size]byte) bool {
	k := binary.LittleEndian.Uint64(key[:8])
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen.Get(k); ok {
		return true
	}
	r.seen.Put(k, struct{}{})
	return false
}

// cacheFlights runs one call per key at a time; callers of a key in
// flight wait for its result (or for their own context to end).
type cacheFlights struct {
	mu    sync.Mutex
	calls map[string]*cacheFlight
}

type cacheFlight struct {
	done chan struct{}
	val  any
	err  error
}

func (g *cacheFlights) do(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if f, ok := g.calls[key]; ok {
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.val, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if g.calls == nil {
		g.calls = map[string]*cacheFlight{}
	}
	f := &cacheFlight{done: make(chan struct{}), err: errors.New("preview failed")}
	g.calls[key] = f
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(f.done)
	}()
	f.val, f.err = fn()
	return f.val, f.err
}
