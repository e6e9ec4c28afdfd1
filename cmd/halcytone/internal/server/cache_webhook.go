package server

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// cacheWebhookPath is the path of the cache webhook, authenticated by its
// signature rather than an API key.
const cacheWebhookPath = "/api/v2/cache/webhook"

// replayMemory bounds how many webhook ids the cache webhook remembers.
const replayMemory = 10000

// SetCacheWebhookSecret sets the secret that signs calls of POST
// /api/v2/cache/webhook (HALCYTONE_CACHE_WEBHOOK_SECRET): "whsec_<base64>"
// as Standard Webhooks issues them, or any other string used as it is.
// Empty refuses every call, which is the default. Call it before serving.
func (s *Server) SetCacheWebhookSecret(secret string) error {
	var key []byte
	if secret != "" {
		var err error
		if key, err = parseWebhookSecret(secret); err != nil {
			return err
		}
	}
	a := s.addons()
	a.mu.Lock()
	a.cacheSecret = key
	a.mu.Unlock()
	return nil
}

// CacheWebhookRequest is the body of a cache webhook: an event name and
// exactly one of pattern, cache_keys and tags. Unknown fields are ignored.
type CacheWebhookRequest struct {
	Event     string   `json:"event"`
	Pattern   string   `json:"pattern,omitempty"`
	CacheKeys []string `json:"cache_keys,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

type cacheWebhookInput struct {
	ID        string `header:"webhook-id" maxLength:"256"`
	Timestamp string `header:"webhook-timestamp" maxLength:"32"`
	Signature string `header:"webhook-signature" maxLength:"4096"`
	RawBody   []byte
}

func (s *Server) registerCacheWebhook(a *addons) {
	huma.Register(s.api, huma.Operation{
		OperationID: "cache-webhook", Method: http.MethodPost, Path: cacheWebhookPath, Tags: []string{"cache"},
		Summary: "Invalidate the cache from a signed platform webhook",
		Description: "Signed as Standard Webhooks 1.0: webhook-id, webhook-timestamp (Unix seconds, within 5 minutes) and " +
			"webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>) with HALCYTONE_CACHE_WEBHOOK_SECRET. " +
			"401 on a missing or bad signature, 409 on a replayed webhook-id. " +
			"Body {event, pattern | cache_keys | tags}; the answer is that of /api/v2/cache/invalidate on the local target.",
		Errors: []int{http.StatusUnauthorized, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *cacheWebhookInput) (*struct{ Body CacheInvalidateBody }, error) {
		a.mu.RLock()
		key := a.cacheSecret
		a.mu.RUnlock()
		if key == nil {
			return nil, huma.Error401Unauthorized("the cache webhook is disabled: no secret is configured (HALCYTONE_CACHE_WEBHOOK_SECRET)")
		}
		now := s.now()
		at, err := verifyWebhook(key, in.ID, in.Timestamp, in.Signature, in.RawBody, now)
		if err != nil {
			return nil, huma.Error401Unauthorized(err.Error())
		}
		if !a.replay.claim(in.ID, at.Add(webhookTolerance), now) {
			return nil, huma.Error409Conflict("webhook-id " + in.ID + " was already received")
		}
		var body CacheWebhookRequest
		if err := json.Unmarshal(in.RawBody, &body); err != nil {
			return nil, invalid("body", "the body is not a JSON object: %v", err)
		}
		if body.Event == "" {
			return nil, invalid("event", "event is required")
		}
		out, err := a.invalidate(ctx, CacheInvalidateRequest{Pattern: body.Pattern, CacheKeys: body.CacheKeys, Tags: body.Tags}, "body.", now)
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "cache webhook", "event", body.Event, "webhook_id", in.ID, "invalidated", out.Invalidated)
		return &struct{ Body CacheInvalidateBody }{out}, nil
	})
	// The body is read raw, for the signature, and decoded after it is
	// checked; the document still shows its JSON shape. It is not
	// required of huma, so that a call without a body is refused for its
	// missing signature (401) like any other unsigned call.
	if op := s.api.OpenAPI().Paths[cacheWebhookPath].Post; op != nil && op.RequestBody != nil {
		schema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[CacheWebhookRequest](), true, "CacheWebhookRequest")
		op.RequestBody.Content = map[string]*huma.MediaType{"application/json": {Schema: schema}}
		op.RequestBody.Required = false
	}
}

// replayGuard remembers the webhook ids received within the tolerance
// window, at most max of them (the oldest are forgotten first).
type replayGuard struct {
	max int

	mu    sync.Mutex
	seen  map[string]time.Time // id -> when it may be forgotten
	order []replayEntry        // first seen first, from head on
	head  int
}

type replayEntry struct {
	id     string
	forget time.Time
}

func newReplayGuard(max int) *replayGuard {
	return &replayGuard{max: max, seen: map[string]time.Time{}}
}

// claim records id until forget and reports whether it was new.
func (g *replayGuard) claim(id string, forget, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.head < len(g.order) {
		e := g.order[g.head]
		if len(g.seen) < g.max && now.Before(e.forget) {
			break
		}
		if f, ok := g.seen[e.id]; ok && f.Equal(e.forget) {
			delete(g.seen, e.id)
		}
		g.order[g.head] = replayEntry{}
		g.head++
	}
	if g.head > len(g.order)/2 {
		g.order = append(g.order[:0], g.order[g.head:]...)
		g.head = 0
	}
	if f, ok := g.seen[id]; ok && now.Before(f) {
		return false
	}
	g.seen[id] = forget
	g.order = append(g.order, replayEntry{id: id, forget: forget})
	return true
}
