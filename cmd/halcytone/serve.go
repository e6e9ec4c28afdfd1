package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/trace"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/cmd/halcytone/internal/server"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/publish/web"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
	"github.com/halcytone/halcytone/store/sqlite"
	"github.com/halcytone/halcytone/telemetry"
)

// version is the server's version, set at build time with
// -ldflags "-X main.version=...".
var version = ""

// app is the whole service, wired: what serve runs and the end-to-end
// tests drive.
type app struct {
	cfg     serveConfig
	log     *slog.Logger
	store   store.Store
	queue   *schedule.RiverQueue
	engine  *halcytone.Engine
	server  *server.Server
	metrics *telemetry.Metrics
	keys    *server.Keys
	tracing func(context.Context) error
	modes   map[content.Channel]string // "live" or "dry-run", per channel
	web     *web.Publisher             // the website publisher, for CDN purges; nil in dry run
	closers []func() error
}

// newApp opens the store and the queue, builds publishers and the engine,
// and the HTTP server; nothing runs until start.
func newApp(ctx context.Context, cfg serveConfig, logOut io.Writer) (*app, error) {
	if err := checkCredentials(cfg); err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, modes: map[content.Channel]string{}}
	if err := a.build(ctx, logOut); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *app) build(ctx context.Context, logOut io.Writer) (err error) {
	cfg := a.cfg
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg["log-level"]]
	h, err := telemetry.NewLogHandler(logOut, cfg["log-format"], level)
	if err != nil {
		return err
	}
	a.log = slog.New(h)

	if a.metrics, err = telemetry.NewMetrics(); err != nil {
		return err
	}
	tp, shutdown, err := telemetry.NewTracerProvider(ctx, "halcytone", versionString(), os.Getenv)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	a.tracing = shutdown
	tracer := tp.Tracer("github.com/halcytone/halcytone")

	// The queue carries content deliveries (the engine's) and outgoing
	// webhook attempts (the server's); both are built after the queue.
	var workerRef struct {
		sync.Mutex
		eng *halcytone.Engine
		srv *server.Server
	}
	worker := schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error {
		workerRef.Lock()
		eng, srv := workerRef.eng, workerRef.srv
		workerRef.Unlock()
		if server.IsWebhookJob(j) {
			if srv == nil {
				return errors.New("server not ready")
			}
			return srv.WorkWebhook(ctx, j, attempt)
		}
		if eng == nil {
			return errors.New("engine not ready")
		}
		return eng.Work(ctx, j, attempt)
	})
	// River logs every migration and start at info: keep its warnings only.
	riverLog, err := telemetry.NewLogHandler(logOut, cfg["log-format"], max(level, slog.LevelWarn))
	if err != nil {
		return err
	}
	qcfg := schedule.Config{Worker: worker, Workers: cfg.int("workers"), Logger: slog.New(riverLog)}

	st, closeStore, err := openStore(ctx, cfg["database-url"])
	if err != nil {
		return fmt.Errorf("database-url: %w", err)
	}
	a.store = st
	a.closers = append(a.closers, closeStore)
	switch db := st.(type) {
	case *postgres.Store:
		a.queue, err = schedule.NewPostgres(ctx, db.Pool(), qcfg)
	case *sqlite.Store:
		a.queue, err = schedule.NewSQLite(ctx, db.DB(), qcfg)
	default:
		err = fmt.Errorf("no queue for store %T", st)
	}
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}

	reg, err := newRegistry(generateFlags{contentDir: cfg["content-dir"], allowNets: cfg["url-allow"]}, func(k string) string {
		return cfg[strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, "HALCYTONE_"), "_", "-"))]
	})
	if err != nil {
		return err
	}

	pubs, err := a.publishers(tracer)
	if err != nil {
		return err
	}

	gate := &approval.Gate{Policy: approval.DefaultPolicy()}
	if p := cfg["approval-policy"]; p != "" {
		if gate.Policy, err = approval.LoadPolicy(p); err != nil {
			return fmt.Errorf("approval-policy: %w", err)
		}
	}
	if gate.Directory, err = parseReviewers(cfg["reviewers"], gate.Policy); err != nil {
		return fmt.Errorf("reviewers: %w", err)
	}

	// One cache holds the remote documents the engine fetches for
	// previews and the server's previews, so that the cache endpoints
	// reach both.
	cache := server.NewCache(server.CacheConfig{MaxBytes: int64(cfg.int("cache-max-mb")) << 20, TTL: cfg.duration("cache-ttl")})
	sources := server.CachedSource(reg, cache, server.RemoteSchemes()...)
	eng, err := halcytone.New(halcytone.Config{Store: a.store, Sources: sources, Queue: a.queue, Publishers: pubs, Gate: gate,
		Logger: a.log, Tracer: tracer, Observer: a.metrics, Outbox: server.WebhookOutbox(a.queue, nil)})
	if err != nil {
		return err
	}
	workerRef.Lock()
	workerRef.eng = eng
	workerRef.Unlock()
	a.engine = eng

	seeds, err := server.ParseSeedKeys(cfg["api-keys"])
	if err != nil {
		return err
	}
	a.keys = server.NewKeys(a.store, seeds)
	loc, _ := time.LoadLocation(cfg["timezone"])
	ui, err := a.queue.UIHandler(ctx)
	if err != nil {
		return fmt.Errorf("river ui: %w", err)
	}
	var origins []string
	for o := range strings.SplitSeq(cfg["allowed-origins"], ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	a.server, err = server.New(server.Config{
		Engine: eng, Metrics: a.metrics, Keys: a.keys, Queue: a.queue, Logger: a.log, Version: versionString(),
		AllowedOrigins: origins, BodyLimit: int64(cfg.int("body-limit")), Location: loc, RiverUI: ui, Reviewers: gate.Directory,
		SharedCache: cache,
		GCFloor:     int64(cfg.int("gc-floor-mb")) << 20,
		Checks: []server.Check{
			{Name: "queue", Required: true, Run: func(ctx context.Context) error {
				_, err := a.queue.Entries(ctx, "health-probe")
				return err
			}},
			{Name: "publishers", Run: func(context.Context) error { return a.publisherCheck() }},
		},
	})
	if err != nil {
		return err
	}
	workerRef.Lock()
	workerRef.srv = a.server
	workerRef.Unlock()
	if err := a.server.SetCacheWebhookSecret(cfg["cache-webhook-secret"]); err != nil {
		return fmt.Errorf("cache-webhook-secret: %w", err)
	}
	a.server.SetWebhookAllowPrivate(cfg.bool("webhook-allow-private"))
	if a.web != nil {
		// The platform API purges by post; an invalidation by key, tag or
		// pattern purges the zone, which is coarse but never stale.
		a.server.SetCDNPurger(func(ctx context.Context, _ server.CDNPurge) error { return a.web.PurgeEverything(ctx) })
	}
	return nil
}

// publisherCheck reports whether every publisher was built. Dry run is
// the default, not a fault: /health stays healthy, and serve prints the
// channels that run dry.
func (a *app) publisherCheck() error {
	if len(a.modes) == 0 {
		return errors.New("no publishers")
	}
	return nil
}

// publishers builds one publisher per channel: live (behind the whole
// middleware stack, still honouring a request's dry_run) when its
// credentials are configured and --dry-run is off, dry run otherwise.
func (a *app) publishers(tracer trace.Tracer) ([]publish.Publisher, error) {
	cfg := a.cfg
	tel := publish.Telemetry{Metrics: a.metrics.Publish, Tracer: tracer}
	forceDry := cfg.bool("dry-run")
	limits := publish.DefaultLimits()
	limits.OnWait = a.metrics.Publish.ObserveRateWait

	type built struct {
		p    publish.Publisher
		live bool
		// rates, when set, is the publisher's RateObserver: it is pointed
		// at the rate limiter the publisher ends up behind.
		rates *rateRelay
	}
	var out []publish.Publisher
	add := func(b built, err error) error {
		if err != nil {
			return err
		}
		ch := b.p.Channel()
		// Nothing reads a dry-run log here: keeping the last 10,000
		// payloads would hold tens of MB for nothing.
		dry := publish.WithTelemetry(publish.DryRunWith(b.p, publish.DryRunOptions{LogSize: -1}), tel)
		if !b.live || forceDry {
			a.modes[ch] = "dry-run"
			out = append(out, dry)
			return nil
		}
		a.modes[ch] = "live"
		live := publish.Chain(b.p,
			func(p publish.Publisher) publish.Publisher { return publish.WithTelemetry(p, tel) },
			func(p publish.Publisher) publish.Publisher { return publish.WithRetry(p, publish.DefaultRetryPolicy()) },
			func(p publish.Publisher) publish.Publisher {
				return publish.WithCircuitBreaker(p, publish.BreakerSettings{OnStateChange: func(name string, from, to gobreaker.State) {
					a.metrics.Publish.SetBreakerState(name, from, to)
				}})
			},
			func(p publish.Publisher) publish.Publisher {
				rl := publish.WithRateLimit(p, limits)
				if b.rates != nil {
					b.rates.to.Store(rl)
				}
				return rl
			},
		)
		out = append(out, publish.ByDryRun(live, dry))
		return nil
	}
	store := a.store
	cp := halcytone.DeliveryCheckpoints{Store: store}

	// Email: the CRM when configured, else SMTP when configured, else a
	// dry-run CRM.
	switch {
	case cfg["crm-url"] != "":
		c, err := email.NewCRM(email.CRMConfig{Endpoint: cfg["crm-url"], APIKey: cfg["crm-api-key"], Checkpoint: cp})
		if err := add(built{p: c, live: true}, err); err != nil {
			return nil, fmt.Errorf("crm-url: %w", err)
		}
	case cfg["smtp-host"] != "":
		rcpts, err := parseRecipients(cfg["smtp-recipients"])
		if err != nil {
			return nil, fmt.Errorf("smtp-recipients: %w", err)
		}
		if len(rcpts) == 0 {
			return nil, errors.New("smtp-recipients: required with smtp-host (nobody would receive the newsletter)")
		}
		s, err := email.NewSMTP(email.SMTPConfig{Host: cfg["smtp-host"], Port: cfg.int("smtp-port"), Username: cfg["smtp-username"],
			Password: cfg["smtp-password"], From: cfg["smtp-from"], TLS: email.TLSPolicy(cfg["smtp-tls"]), Checkpoint: cp,
			Recipients: rcpts, Logger: a.log})
		if err := add(built{p: s, live: true}, err); err != nil {
			return nil, fmt.Errorf("smtp-host: %w", err)
		}
		if s != nil {
			a.closers = append(a.closers, s.Close)
		}
	default:
		c, err := email.NewCRM(email.CRMConfig{Endpoint: "https://crm.invalid", APIKey: "dry-run", Checkpoint: cp})
		if err := add(built{p: c, live: false}, err); err != nil {
			return nil, err
		}
	}

	wcfg := web.Config{Endpoint: cfg["platform-url"], Token: cfg["platform-token"], Logger: a.log}
	if cfg["cdn-url"] != "" {
		wcfg.CDN = web.CDN{Endpoint: cfg["cdn-url"], Zone: cfg["cdn-zone"], Token: cfg["cdn-token"]}
	}
	webLive := wcfg.Endpoint != ""
	if !webLive {
		wcfg.Endpoint, wcfg.Token = "https://platform.invalid", "dry-run"
	}
	w, err := web.New(wcfg)
	if err := add(built{p: w, live: webLive}, err); err != nil {
		return nil, fmt.Errorf("platform-url: %w", err)
	}
	if webLive && cfg["cdn-url"] != "" && !forceDry {
		a.web = w
	}

	xRates := &rateRelay{}
	x, err := social.NewX(social.XConfig{Endpoint: cfg["x-url"], Token: orPlaceholder(cfg["x-token"]), Keys: cp, Rates: xRates})
	if err := add(built{p: x, live: cfg["x-token"] != "", rates: xRates}, err); err != nil {
		return nil, fmt.Errorf("x-token: %w", err)
	}
	if cfg["linkedin-token"] != "" && cfg["linkedin-author"] == "" {
		return nil, errors.New("linkedin-author: required with linkedin-token (urn:li:organization:ID or urn:li:person:ID)")
	}
	li, err := social.NewLinkedIn(social.LinkedInConfig{Endpoint: cfg["linkedin-url"], Token: orPlaceholder(cfg["linkedin-token"]),
		Author: orDefault(cfg["linkedin-author"], "urn:li:organization:0"), Keys: cp})
	if err := add(built{p: li, live: cfg["linkedin-token"] != ""}, err); err != nil {
		return nil, fmt.Errorf("linkedin-token: %w", err)
	}
	fb, err := social.NewFacebook(social.GraphConfig{Endpoint: cfg["graph-url"], Token: orPlaceholder(cfg["graph-token"]),
		ID: orDefault(cfg["facebook-page-id"], "0"), Keys: cp})
	if err := add(built{p: fb, live: cfg["graph-token"] != "" && cfg["facebook-page-id"] != ""}, err); err != nil {
		return nil, fmt.Errorf("facebook-page-id: %w", err)
	}
	ig, err := social.NewInstagram(social.GraphConfig{Endpoint: cfg["graph-url"], Token: orPlaceholder(cfg["graph-token"]),
		ID: orDefault(cfg["instagram-user-id"], "0"), Keys: cp})
	if err := add(built{p: ig, live: cfg["graph-token"] != "" && cfg["instagram-user-id"] != ""}, err); err != nil {
		return nil, fmt.Errorf("instagram-user-id: %w", err)
	}
	return out, nil
}

func orPlaceholder(token string) string { return orDefault(token, "dry-run") }

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// parseReviewers reads "name:role+role,name:role" (spaces around names
// and roles are ignored). Every role must be one that a stage of policy
// asks for, so that a misspelt role fails at start instead of leaving a
// level nobody can approve; a name may appear once.
func parseReviewers(s string, policy approval.Policy) (approval.Directory, error) {
	var known []string
	for _, l := range policy.Levels {
		for _, st := range l.Stages {
			for _, r := range st.Roles {
				if !slices.Contains(known, r) {
					known = append(known, r)
				}
			}
		}
	}
	dir := approval.StaticDirectory{}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, list, ok := strings.Cut(entry, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(list) == "" {
			return nil, fmt.Errorf("entry %q: want name:role[+role]", entry)
		}
		if _, dup := dir[name]; dup {
			return nil, fmt.Errorf("reviewer %q: listed twice", name)
		}
		var roles []string
		for r := range strings.SplitSeq(list, "+") {
			r = strings.TrimSpace(r)
			if !slices.Contains(known, r) {
				return nil, fmt.Errorf("reviewer %q: role %q: want one of the approval policy's roles (%s)", name, r, strings.Join(known, ", "))
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		dir[name] = roles
	}
	return dir, nil
}

// start runs the queue, the server's background work and the periodic
// schedule and escalation checks until ctx ends.
func (a *app) start(ctx context.Context) error {
	// The queue outlives the signal: close stops it with a grace period, so
	// that running deliveries finish instead of being cut off.
	if err := a.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	a.server.Start(ctx)
	go a.periodic(ctx)
	return nil
}

// reconcileEvery is how often serve settles deliveries the queue gave up
// on (Engine.Reconcile): such a delivery is at least ReconcileGrace old,
// and River rescues a dead process's entries after minutes anyway.
const reconcileEvery = 5 * time.Minute

// periodic starts due recurring schedules, escalates overdue approvals,
// settles deliveries the queue gave up on and refreshes the queue gauges.
func (a *app) periodic(ctx context.Context) {
	every := a.cfg.duration("schedule-interval")
	tick := time.NewTicker(every)
	defer tick.Stop()
	gauges := time.NewTicker(5 * time.Second)
	defer gauges.Stop()
	reconcile := time.NewTicker(reconcileEvery)
	defer reconcile.Stop()
	a.refreshGauges(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := a.engine.RunSchedules(ctx); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "recurring schedules", "err", err)
			}
			if err := a.engine.Escalate(ctx); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "approval escalation", "err", err)
			}
		case <-reconcile.C:
			if n, err := a.engine.Reconcile(ctx); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "reconcile deliveries", "settled", n, "err", err)
			} else if n > 0 {
				a.log.InfoContext(ctx, "reconciled deliveries the queue gave up on", "settled", n)
			}
		case <-gauges.C:
			a.refreshGauges(ctx)
		}
	}
}

func (a *app) refreshGauges(ctx context.Context) {
	for level := 1; level <= 4; level++ {
		for _, st := range []store.ApprovalState{store.ApprovalPending, store.ApprovalApproved, store.ApprovalRejected, store.ApprovalChangesRequested} {
			_, n, err := a.store.ListApprovals(ctx, store.ApprovalFilter{Level: level, State: st, Limit: 1})
			if err == nil {
				a.metrics.ApprovalRequests.WithLabelValues(strconv.Itoa(level), string(st)).Set(float64(n))
			}
		}
	}
	for _, st := range []store.JobStatus{store.JobPending, store.JobAwaitingApproval, store.JobScheduled, store.JobInProgress} {
		p, err := a.store.ListJobs(ctx, store.JobFilter{Statuses: []store.JobStatus{st}, Limit: 1})
		if err == nil {
			a.metrics.QueueJobs.WithLabelValues(string(st)).Set(float64(p.Total))
		}
	}
}

// close stops everything newApp opened, in reverse order, except that
// the queue stops before the server: the deliveries it finishes in its
// grace period still emit events to the server's WebSocket hubs, which
// Close stops. (Their webhooks are recorded in their own transactions.)
func (a *app) close() {
	if a.queue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = a.queue.Stop(ctx)
		cancel()
	}
	if a.server != nil {
		a.server.Close()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	if a.tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.tracing(ctx)
		cancel()
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	return "dev"
}

// runServe is the serve command.
func runServe(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadServeConfig(args, env, os.Environ())
	if err != nil {
		return err
	}
	t0 := time.Now()
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	// Listen first: a taken port must not use up the first start's admin
	// key, which is printed only once.
	ln, err := net.Listen("tcp", cfg["addr"])
	if err != nil {
		return fmt.Errorf("addr: %w", err)
	}
	admin, err := a.keys.Bootstrap(ctx)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("bootstrap admin key: %w", err)
	}
	if err := a.start(ctx); err != nil {
		_ = ln.Close()
		return err
	}
	// Start-up is done: keep only the code and data pages that serving
	// reads (codepages_linux.go).
	if cfg.bool("trim-code-pages") {
		if n, err := trimCodePages(); err != nil {
			a.log.WarnContext(ctx, "could not trim the executable's resident pages", "err", err)
		} else {
			a.log.DebugContext(ctx, "trimmed the executable's resident pages", "advised_bytes", n)
		}
	}
	hs := &http.Server{
		Handler: a.server, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "Halcytone %s listening on %s (ready in %s)\n", versionString(), base, time.Since(t0).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  API docs:  %s/docs\n  Health:    %s/health\n  Database:  %s\n", base, base, redactURL(cfg["database-url"]))
	var dry []string
	for ch, m := range a.modes {
		if m != "live" {
			dry = append(dry, string(ch))
		}
	}
	if len(dry) > 0 {
		fmt.Fprintf(stdout, "  Dry run:   %s (nothing leaves this machine for these channels)\n", strings.Join(slices.Sorted(slices.Values(dry)), ", "))
	}
	if admin != "" {
		fmt.Fprintf(stdout, "\nA new admin API key was created. It is shown only this once:\n\n  %s\n\nExport it: export HALCYTONE_KEY=%s\n\n", admin, admin)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// displayAddr turns ":8000" into "localhost:8000".
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// rateRelay is a publish.RateObserver that passes rate headers on to the
// rate limiter its publisher ends up behind, once that is built (the
// publisher is built first); before that, and in dry run, it drops them.
type rateRelay struct {
	to atomic.Pointer[publish.RateLimiter]
}

// ObserveRateHeaders implements publish.RateObserver.
func (r *rateRelay) ObserveRateHeaders(key string, h http.Header) {
	if rl := r.to.Load(); rl != nil {
		rl.ObserveRateHeaders(key, h)
	}
}

// redactURL hides the password of a database URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// parseRecipients reads "a@example.com, Ada <ada@example.com>".
func parseRecipients(s string) ([]email.Recipient, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, err
	}
	out := make([]email.Recipient, 0, len(list))
	for _, a := range list {
		out = append(out, email.Recipient{Name: a.Name, Email: a.Address})
	}
	return out, nil
}
