// Package server is the HTTP and WebSocket API of ../../API.md on top of a
// halcytone.Engine. It holds no business rules: every handler translates
// between the wire format and a library call.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/telemetry"
)

// DefaultBodyLimit is the largest request body accepted when Config.BodyLimit
// is zero.
const DefaultBodyLimit = 1 << 20

// Config wires a Server.
type Config struct {
	// Engine is required. Its Config.Outbox must be WebhookOutbox(Queue,
	// Now), or no engine event becomes an outgoing webhook.
	Engine  *halcytone.Engine
	Metrics *telemetry.Metrics // required: /metrics and the HTTP metrics
	Keys    *Keys              // required: API key authentication
	// Queue is the engine's durable queue, required: outgoing webhook
	// attempts are its entries too. Its worker must pass the entries for
	// which IsWebhookJob holds to WorkWebhook.
	Queue   schedule.Queue
	Logger  *slog.Logger // nil: discard
	Version string       // reported by /health

	// AllowedOrigins are the CORS origins; empty or "*" allows any.
	AllowedOrigins []string
	// BodyLimit bounds request bodies; 0 means DefaultBodyLimit.
	BodyLimit int64
	// Location is the time zone of local schedule_time values, of the
	// analytics' YYYY-MM-DD dates and of their jobs_over_time days and
	// hours; nil: UTC.
	Location *time.Location
	// RiverUI, when set, is mounted at /riverui/ for admin keys.
	RiverUI http.Handler
	// Checks are the readiness and health checks; see Check.
	Checks []Check
	// Cache bounds the content cache (its Now is the server's clock);
	// zero fields take the defaults (5 min, 10,000 entries, 64 MiB).
	Cache CacheConfig
	// SharedCache, when set, is the content cache, and Cache is ignored:
	// the cache of the engine's documents (CachedSource) is made before
	// the server, and the cache endpoints must reach its entries too.
	SharedCache *Cache
	// Reviewers is the approval gate's directory. A key named like a
	// reviewer in it is that reviewer's own key: its decisions are that
	// reviewer's, never another's. Other keys (a dashboard's, say) may name
	// any reviewer. Nil: keys may name any reviewer.
	Reviewers approval.Directory
	// GCFloor, in bytes, when positive, keeps the collector's heap goal at
	// least that large while requests arrive, by raising the process's GC
	// percent (runtime/debug.SetGCPercent) for a small live heap, and sets
	// the percent back once requests stop (memtrim.go). It changes a
	// process-wide setting: set it on one Server per process at most, and
	// not when GOGC is off.
	GCFloor int64
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Server serves the API. Create it with New; it is an http.Handler.
type Server struct {
	cfg     Config
	engine  *halcytone.Engine
	store   store.Store
	log     *slog.Logger
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler
	started time.Time
	now     func() time.Time
	stats   *requestStats
	health  healthCache // health.go
	extra   *addons     // cache, cache webhook and CDN state (cache_http.go)
	jobs    *jobHub     // /ws/jobs (wsjobs.go)
	live    *liveHub    // live-session rooms (live.go)

	bgMu   sync.Mutex
	bgStop []func()
}

// New builds the Server and registers every route.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil || cfg.Metrics == nil || cfg.Keys == nil || cfg.Queue == nil {
		return nil, errors.New("server: Engine, Metrics, Keys and Queue are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:    cfg,
		engine: cfg.Engine,
		store:  cfg.Engine.Store(),
		log:    cfg.Logger,
		mux:    http.NewServeMux(),
		now:    cfg.Now,
		stats:  newRequestStats(),
	}
	s.started = s.now()

	hc := huma.DefaultConfig("Halcytone API", versionOr(cfg.Version))
	hc.Info.Description = "Living documents in, validated multi-channel content out. See API.md."
	hc.CreateHooks = nil // no $schema field, no Link header: the dashboard reads plain objects
	hc.Transformers = append(hc.Transformers, problemDefaults, s.logInternal)
	hc.DocsPath = "" // /docs is served from an embedded renderer (docs.go)
	hc.OpenAPIPath = "/openapi"
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "an API key"},
		"apiKey": {Type: "apiKey", In: "header", Name: "X-API-Key"},
	}
	// huma caps every body at 1 MiB on its own; the configured limit wins
	// (limitBody and checkBody enforce it before huma reads anything).
	limit := cfg.BodyLimit
	hc.OnAddOperation = append(hc.OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) {
		if op.MaxBodyBytes != 0 {
			op.MaxBodyBytes = limit + 1
		}
	})
	s.api = humago.New(s.mux, hc)

	for _, register := range []func(){
		s.registerHealth,    // health.go
		s.registerDocs,      // docs.go
		s.registerContent,   // content.go
		s.registerJobs,      // jobs.go
		s.registerApprovals, // approvals.go
		s.registerSchedules, // schedules.go
		s.registerBatch,     // batch.go
		s.registerCache,     // cache.go
		s.registerAnalytics, // analytics.go
		s.registerWebhooks,  // webhooks.go
		s.registerKeys,      // keys.go
		s.registerJobEvents, // wsjobs.go
		s.registerLive,      // live.go
	} {
		register()
	}
	if cfg.RiverUI != nil {
		s.mux.Handle("/riverui/", cfg.RiverUI)
	}
	s.mux.HandleFunc("/", s.notFound)

	// The metrics middleware reads the matched route from the request it
	// passed on, so nothing between it and the mux may copy the request:
	// the key slot is put in the context outside it and filled inside.
	// Bodies are limited and checked after the key, so that a 413 carries
	// the rate-limit headers of every /api/ answer and no protected route
	// reads a body for a caller without a valid key.
	var h http.Handler = s.mux
	h = newJobListCache(cfg.Engine.JobsVersion).wrap(h) // jobscache.go
	h = s.redirectUnclean(h)
	h = s.checkBody(h)
	h = s.limitBody(h)
	h = s.cfg.Keys.Middleware(h, s.writeProblem)
	h = s.stats.middleware(h)
	h = cfg.Metrics.Middleware(h)
	h = withKeySlot(h)
	h = s.cors(h)
	h = telemetry.CorrelationMiddleware(h)
	h = s.recoverPanics(h)
	s.handler = h
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// API returns the huma API, for its OpenAPI document.
func (s *Server) API() huma.API { return s.api }

// Start runs the server's background work (WebSocket hubs, webhook
// dispatch) until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) {
	for _, start := range []func(context.Context) func(){
		s.startJobEvents, // wsjobs.go
		s.startLive,      // live.go
		s.startWebhooks,  // webhooks.go
		s.startIdleTrim,  // memtrim.go
	} {
		stop := start(ctx)
		s.bgMu.Lock()
		s.bgStop = append(s.bgStop, stop)
		s.bgMu.Unlock()
	}
}

// Close stops the background work started by Start.
func (s *Server) Close() {
	s.bgMu.Lock()
	stops := s.bgStop
	s.bgStop = nil
	s.bgMu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

func versionOr(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// notFound answers every request no route matched: 405 with Allow when
// the path exists for other methods, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeProblem(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	s.writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
}

// recoverPanics turns a panic in a handler into a 500 problem and a log
// line, instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "handler panic", "panic", fmt.Sprint(v), "path", r.URL.Path, "stack", string(debug.Stack()))
				s.writeProblem(w, r, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// cors answers preflight requests on every path and adds the CORS headers
// to every response, errors included.
func (s *Server) cors(next http.Handler) http.Handler {
	anyOrigin := len(s.cfg.AllowedOrigins) == 0
	allowed := map[string]bool{}
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" {
			anyOrigin = true
		}
		allowed[strings.TrimRight(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		if origin != "" && (anyOrigin || allowed[origin]) {
			if anyOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			h.Set("Access-Control-Expose-Headers", "X-Correlation-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "authorization, content-type, x-api-key, idempotency-key, x-correlation-id")
			h.Set("Access-Control-Max-Age", "600")
			if strings.HasPrefix(cleanPath(r.URL.Path), "/api/") && s.cfg.Keys != nil {
				// A preflight carries no key: the address's budget,
				// read, not taken.
				s.cfg.Keys.anon.take(r, false).set(h)
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over the limit: at once when Content-Length
// says so, else when the handler reads past it (huma answers 413).
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.BodyLimit {
			s.writeProblem(w, r, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, s.cfg.BodyLimit))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.BodyLimit)
		}
		next.ServeHTTP(w, r)
	})
}

// maxJSONDepth bounds how deeply a JSON request body may nest arrays and
// objects: far beyond any real request, far below what makes decoding,
// validation or an echo of the value in a problem costly.
const maxJSONDepth = 64

// checkBody reads the body of a request that passed authentication (its
// size bounded by limitBody) before any handler sees it: 413 when it is
// over the limit, also when no Content-Length announced it; 400 when it
// is not UTF-8 (RFC 8259; encoding/json would silently turn the bytes into
// U+FFFD) or nests deeper than maxJSONDepth (encoding/json accepts 10,000
// levels, and huma echoes an invalid value in its problem). The cache
// webhook's body is read but not inspected: its signature is checked
// first, over the bytes as they came.
func (s *Server) checkBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		data, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			s.writeProblem(w, r, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body exceeds the limit of %d bytes", tooLarge.Limit))
			return
		case err != nil:
			s.writeProblem(w, r, http.StatusBadRequest, "cannot read the request body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		if len(data) > 0 && !(r.Method == http.MethodPost && r.URL.Path == cacheWebhookPath) {
			if !utf8.Valid(data) {
				s.writeProblem(w, r, http.StatusBadRequest, "the request body is not valid UTF-8",
					&huma.ErrorDetail{Location: "body", Message: "JSON text must be encoded in UTF-8 (RFC 8259)"})
				return
			}
			if jsonTooDeep(data, maxJSONDepth) {
				msg := fmt.Sprintf("the request body nests arrays and objects deeper than %d levels", maxJSONDepth)
				s.writeProblem(w, r, http.StatusBadRequest, msg, &huma.ErrorDetail{Location: "body", Message: msg})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// jsonTooDeep reports whether the JSON text data nests arrays and objects
// deeper than limit. It only counts brackets outside strings: whether the
// text is valid JSON is for the decoder to say.
func jsonTooDeep(data []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > limit {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// cleanPath returns p as the mux routes it: without "." and ".." segments
// or repeated slashes, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// redirectUnclean redirects a request for an unclean path to the clean
// one (307, so that a POST stays a POST), as the mux would, but with a
// JSON body like every answer.
func (s *Server) redirectUnclean(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := cleanPath(r.URL.Path); p != r.URL.Path && r.Method != http.MethodConnect {
			u := *r.URL
			u.Path, u.RawPath = p, ""
			w.Header().Set("Location", u.String())
			writeJSON(w, http.StatusTemporaryRedirect, map[string]string{"location": u.String()})
			return
		}
		next.ServeHTTP(w, r)
	})
}
