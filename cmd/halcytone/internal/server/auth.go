package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/store"
)

// The scopes of an API key. Admin implies every other scope.
const (
	ScopeRead    = "read"
	ScopeWrite   = "write"
	ScopeApprove = "approve"
	ScopeAdmin   = "admin"
)

// MinKeyLength is the shortest API key accepted.
const MinKeyLength = 32

// DefaultKeyLimit is the per-minute limit of keys created without one:
// high enough for a dashboard polling several times a second per tab.
const DefaultKeyLimit = 60000

// Authentication errors.
var (
	ErrNoKey      = errors.New("no API key presented")
	ErrUnknownKey = errors.New("unknown API key")
	ErrRevokedKey = errors.New("API key revoked")
)

// keyCacheTTL is how long a looked-up key is trusted without asking the
// store again; revocations through this server take effect at once.
const keyCacheTTL = 5 * time.Second

// keyCacheMax bounds the cache; it is emptied when full.
const keyCacheMax = 10000

// Keys authenticates API keys against the store and keys seeded from the
// environment, and keeps each key's rate limiter.
type Keys struct {
	store store.Store
	seeds map[string]store.APIKey // by hash
	now   func() time.Time

	mu       sync.Mutex
	cache    map[string]cachedKey
	limiters map[string]*rate.Limiter

	anon, webhook *addrLimits // see anonPerMinute
}

type cachedKey struct {
	key *store.APIKey // nil: not found
	at  time.Time
}

// NewKeys returns Keys over st with the given seeded keys (see
// ParseSeedKeys), which live in memory only.
func NewKeys(st store.Store, seeds []SeedKey) *Keys {
	k := &Keys{store: st, seeds: map[string]store.APIKey{}, now: time.Now, cache: map[string]cachedKey{}, limiters: map[string]*rate.Limiter{}}
	now := func() time.Time { return k.now() }
	k.anon, k.webhook = newAddrLimits(anonPerMinute, now), newAddrLimits(webhookPerMinute, now)
	for _, sk := range seeds {
		h := HashKey(sk.Key)
		k.seeds[h] = store.APIKey{ID: "env-" + sk.Name, Name: sk.Name, Hash: h, Prefix: prefixOf(sk.Key), Scopes: sk.Scopes, RateLimit: sk.RateLimit}
	}
	return k
}

// SetAddressLimits sets the budgets, per client address and minute, of
// /api/* requests without a valid key and of cache webhook calls (60 and
// 600 by default); 0 or less keeps a budget as it is. Call it before
// serving.
func (k *Keys) SetAddressLimits(keyless, webhook int) {
	now := func() time.Time { return k.now() }
	if keyless > 0 {
		k.anon = newAddrLimits(keyless, now)
	}
	if webhook > 0 {
		k.webhook = newAddrLimits(webhook, now)
	}
}

// SeedKey is a key given in HALCYTONE_API_KEYS.
type SeedKey struct {
	Name      string
	Key       string
	Scopes    []string
	RateLimit int // per minute; 0 unlimited
}

// ParseSeedKeys parses "name:key:scopes[:per-minute-limit]" entries
// separated by commas, scopes joined by "+".
func ParseSeedKeys(s string) ([]SeedKey, error) {
	var out []SeedKey
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.Split(entry, ":")
		if len(parts) < 3 || len(parts) > 4 {
			return nil, fmt.Errorf("HALCYTONE_API_KEYS entry %d: want name:key:scopes[:per-minute-limit]", i+1)
		}
		sk := SeedKey{Name: parts[0], Key: parts[1]}
		if sk.Name == "" {
			return nil, fmt.Errorf("HALCYTONE_API_KEYS entry %d: empty name", i+1)
		}
		if len(sk.Key) < MinKeyLength {
			return nil, fmt.Errorf("HALCYTONE_API_KEYS entry %q: key shorter than %d characters", sk.Name, MinKeyLength)
		}
		scopes, err := ParseScopes(strings.Split(parts[2], "+"))
		if err != nil {
			return nil, fmt.Errorf("HALCYTONE_API_KEYS entry %q: %w", sk.Name, err)
		}
		sk.Scopes = scopes
		if len(parts) == 4 {
			n, err := strconv.Atoi(parts[3])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("HALCYTONE_API_KEYS entry %q: limit %q is not a non-negative integer", sk.Name, parts[3])
			}
			sk.RateLimit = n
		}
		out = append(out, sk)
	}
	return out, nil
}

// ParseScopes checks scope names and returns them sorted without repeats.
func ParseScopes(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		switch s {
		case ScopeRead, ScopeWrite, ScopeApprove, ScopeAdmin:
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		default:
			return nil, fmt.Errorf("unknown scope %q (want read, write, approve or admin)", s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no scopes")
	}
	slices.Sort(out)
	return out, nil
}

// HashKey returns the stored form of a key: hex SHA-256. Keys are random
// and long, so a fast hash is enough (no password stretching needed).
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func prefixOf(key string) string { return key[:min(len(key), 8)] }

// GenerateKey returns a new random key: "hk_" and 40 hex characters.
func GenerateKey() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "hk_" + hex.EncodeToString(b[:])
}

// Create stores a new key and returns it in plain text, once.
func (k *Keys) Create(ctx context.Context, name string, scopes []string, limit int) (string, *store.APIKey, error) {
	if strings.TrimSpace(name) == "" {
		return "", nil, fmt.Errorf("key name: %w: empty", store.ErrInvalid)
	}
	sc, err := ParseScopes(scopes)
	if err != nil {
		return "", nil, fmt.Errorf("scopes: %w: %w", store.ErrInvalid, err)
	}
	if limit < 0 {
		return "", nil, fmt.Errorf("rate_limit: %w: negative", store.ErrInvalid)
	}
	plain := GenerateKey()
	var id [8]byte
	_, _ = rand.Read(id[:])
	ak := &store.APIKey{ID: "key_" + hex.EncodeToString(id[:]), Name: name, Hash: HashKey(plain), Prefix: prefixOf(plain), Scopes: sc, RateLimit: limit, CreatedAt: k.now().UTC()}
	if err := k.store.CreateAPIKey(ctx, ak); err != nil {
		return "", nil, err
	}
	return plain, ak, nil
}

// Bootstrap creates an admin key when neither the store nor the seeds
// hold any, and returns it in plain text; "" when keys exist.
func (k *Keys) Bootstrap(ctx context.Context) (string, error) {
	if len(k.seeds) > 0 {
		return "", nil
	}
	keys, err := k.store.ListAPIKeys(ctx)
	if err != nil {
		return "", err
	}
	if len(keys) > 0 {
		return "", nil
	}
	plain, _, err := k.Create(ctx, "admin", []string{ScopeAdmin}, 0)
	return plain, err
}

// Revoke revokes a stored key and forgets it at once.
func (k *Keys) Revoke(ctx context.Context, id string) error {
	if err := k.store.RevokeAPIKey(ctx, id); err != nil {
		return err
	}
	k.mu.Lock()
	clear(k.cache)
	delete(k.limiters, id)
	k.mu.Unlock()
	return nil
}

// Authenticate returns the key raw names. Errors: ErrNoKey, ErrUnknownKey,
// ErrRevokedKey, or the store's.
func (k *Keys) Authenticate(ctx context.Context, raw string) (*store.APIKey, error) {
	if raw == "" {
		return nil, ErrNoKey
	}
	h := HashKey(raw)
	ak, err := k.lookup(ctx, h)
	if err != nil {
		return nil, err
	}
	// The lookup went by hash; compare again in constant time, so that no
	// code path branches on how much of a stored hash matches.
	if ak == nil || subtle.ConstantTimeCompare([]byte(ak.Hash), []byte(h)) != 1 {
		return nil, ErrUnknownKey
	}
	if ak.Revoked {
		return nil, ErrRevokedKey
	}
	return ak, nil
}

func (k *Keys) lookup(ctx context.Context, h string) (*store.APIKey, error) {
	if ak, ok := k.seeds[h]; ok {
		return &ak, nil
	}
	now := k.now()
	k.mu.Lock()
	c, ok := k.cache[h]
	k.mu.Unlock()
	if ok && now.Sub(c.at) < keyCacheTTL {
		return c.key, nil
	}
	ak, err := k.store.APIKeyByHash(ctx, h)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ak = nil
	case err != nil:
		return nil, err
	}
	k.mu.Lock()
	if len(k.cache) >= keyCacheMax {
		clear(k.cache)
	}
	k.cache[h] = cachedKey{key: ak, at: now}
	k.mu.Unlock()
	return ak, nil
}

// allow takes one request from ak's limiter and returns the values of the
// rate-limit headers.
func (k *Keys) allow(ak *store.APIKey) bucketState {
	now := k.now()
	if ak.RateLimit <= 0 {
		return bucketState{ok: true, limit: math.MaxInt32, remaining: math.MaxInt32, reset: now}
	}
	k.mu.Lock()
	l, found := k.limiters[ak.ID]
	if !found || l.Burst() != ak.RateLimit {
		l = rate.NewLimiter(rate.Limit(float64(ak.RateLimit)/60), ak.RateLimit)
		k.limiters[ak.ID] = l
	}
	k.mu.Unlock()
	return takeFrom(l, ak.RateLimit, now, true)
}

// presentedKey returns the key of r: Authorization Bearer, X-API-Key, or
// (for WebSockets) the api_key query parameter; one pair of surrounding
// double quotes is dropped.
func presentedKey(r *http.Request, allowQuery bool) string {
	key := ""
	if a := r.Header.Get("Authorization"); a != "" {
		if scheme, rest, ok := strings.Cut(a, " "); ok && strings.EqualFold(scheme, "bearer") {
			key = strings.TrimSpace(rest)
		}
	}
	if key == "" {
		key = strings.TrimSpace(r.Header.Get("X-API-Key"))
	}
	if key == "" && allowQuery {
		key = r.URL.Query().Get("api_key")
	}
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	return key
}

// isRiverUI reports whether r is for the River UI.
func isRiverUI(r *http.Request) bool {
	p := cleanPath(r.URL.Path)
	return p == "/riverui" || strings.HasPrefix(p, "/riverui/")
}

// basicKey returns the password of HTTP Basic credentials, the way a
// browser can present an API key (the River UI): the user name is ignored.
func basicKey(r *http.Request) (string, bool) {
	_, password, ok := r.BasicAuth()
	if !ok || password == "" {
		return "", false
	}
	return password, true
}

// sameOriginWrite reports whether r may act on credentials the browser
// sent by itself: safe methods always; others only when the browser says
// the request comes from the same origin (Sec-Fetch-Site, or else an
// Origin equal to the request's host). A request with neither header does
// not come from a browser page.
func sameOriginWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// requiredScope returns the scope a request needs, and whether it needs a
// key at all. It goes by the clean path, the one the mux routes to, so
// that "//api/v2/keys" or "/api/v2/jobs/../keys" need what /api/v2/keys
// needs.
func requiredScope(r *http.Request) (scope string, protected bool) {
	p := cleanPath(r.URL.Path)
	switch {
	case p == cacheWebhookPath && r.Method == http.MethodPost:
		return "", false // authenticated by its HMAC signature
	case strings.HasPrefix(p, "/api/"):
	case p == "/ws/live-updates":
		return ScopeRead, true
	case strings.HasPrefix(p, "/ws/session/"):
		return ScopeWrite, true
	case isRiverUI(r):
		return ScopeAdmin, true
	default:
		return "", false
	}
	switch {
	case strings.HasPrefix(p, "/api/v2/keys"):
		return ScopeAdmin, true
	case r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions:
		return ScopeRead, true
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/api/v2/approvals/") && strings.HasSuffix(p, "/decisions"):
		return ScopeApprove, true
	case r.Method == http.MethodPost && (p == "/api/v2/validate-content" || p == "/api/v2/content/validate"):
		return ScopeRead, true // stateless: nothing is stored or published
	default:
		return ScopeWrite, true
	}
}

func hasScope(ak *store.APIKey, scope string) bool {
	return slices.Contains(ak.Scopes, ScopeAdmin) || slices.Contains(ak.Scopes, scope)
}

type keyCtx struct{}

// keySlot holds the key of a request; withKeySlot puts an empty one in the
// context, and the key middleware fills it without copying the request.
type keySlot struct{ key *store.APIKey }

func withKeySlot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyCtx{}, &keySlot{})))
	})
}

// KeyFrom returns the API key that authenticated the request of ctx.
func KeyFrom(ctx context.Context) *store.APIKey {
	if s, ok := ctx.Value(keyCtx{}).(*keySlot); ok {
		return s.key
	}
	return nil
}

// Middleware enforces keys, scopes and per-key limits, and answers
// /health with 401 when an invalid key is presented. CORS preflights are
// answered before it (Server.cors); any other OPTIONS request needs a key
// like the path's other methods.
func (k *Keys) Middleware(next http.Handler, problem func(http.ResponseWriter, *http.Request, int, string, ...*huma.ErrorDetail)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, protected := requiredScope(r)
		api := strings.HasPrefix(cleanPath(r.URL.Path), "/api/")
		if !protected && api {
			// The cache webhook: signed, not keyed.
			st := k.webhook.take(r, true)
			st.set(w.Header())
			if !st.ok {
				problem(w, r, http.StatusTooManyRequests, fmt.Sprintf("more than %d webhook calls a minute from this address", st.limit))
				return
			}
		}
		if !protected {
			if r.URL.Path == "/health" {
				if raw := presentedKey(r, false); raw != "" {
					if _, err := k.Authenticate(r.Context(), raw); err != nil {
						problem(w, r, http.StatusUnauthorized, "invalid API key: "+err.Error())
						return
					}
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		ui := isRiverUI(r)
		raw := presentedKey(r, strings.HasPrefix(r.URL.Path, "/ws/"))
		basic := false
		if raw == "" && ui {
			raw, basic = basicKey(r)
		}
		ak, err := k.Authenticate(r.Context(), raw)
		if err != nil && api {
			// No valid key: the address's budget of such requests. A
			// missing key costs nothing (no lookup) and always gets its 401,
			// which a dashboard reads as "ask for a key"; a wrong or revoked
			// key (a lookup each) takes from the budget.
			st := k.anon.take(r, !errors.Is(err, ErrNoKey))
			st.set(w.Header())
			if !st.ok {
				problem(w, r, http.StatusTooManyRequests, fmt.Sprintf("more than %d requests a minute without a valid API key from this address", st.limit))
				return
			}
		}
		switch {
		case errors.Is(err, ErrNoKey), errors.Is(err, ErrUnknownKey):
			if ui {
				// A browser asks for Basic credentials: the key is the password.
				w.Header().Set("WWW-Authenticate", `Basic realm="halcytone River UI", charset="UTF-8"`)
				problem(w, r, http.StatusUnauthorized, err.Error()+": sign in with an admin key as the password (any user name), or send Authorization: Bearer <key>")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="halcytone"`)
			problem(w, r, http.StatusUnauthorized, err.Error()+": send Authorization: Bearer <key> or X-API-Key")
			return
		case errors.Is(err, ErrRevokedKey):
			problem(w, r, http.StatusForbidden, err.Error())
			return
		case err != nil:
			problem(w, r, http.StatusServiceUnavailable, "key lookup failed")
			return
		}
		if api {
			st := k.allow(ak)
			st.set(w.Header())
			if !st.ok {
				problem(w, r, http.StatusTooManyRequests, fmt.Sprintf("rate limit of %d requests per minute exceeded", st.limit))
				return
			}
		}
		if !hasScope(ak, scope) {
			problem(w, r, http.StatusForbidden, fmt.Sprintf("this key lacks the %q scope", scope))
			return
		}
		if basic && !sameOriginWrite(r) {
			// The browser sends Basic credentials by itself, also in requests
			// other sites make it send: a write must come from the UI's own page.
			problem(w, r, http.StatusForbidden, "cross-site request refused: the River UI accepts writes from its own pages only")
			return
		}
		if slot, ok := r.Context().Value(keyCtx{}).(*keySlot); ok {
			slot.key = ak
		}
		next.ServeHTTP(w, r)
	})
}
