package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/internal/fifo"
)

// Budgets of the /api/* requests that no valid key covers, per client
// address (the connection's IP: the clients of one proxy share it):
// requests with a missing, unknown or revoked key, and the cache webhook,
// which its signature authenticates. They bound what an unauthenticated
// client costs (an unknown key is a store lookup) and give those answers
// the X-RateLimit-* headers API.md puts on every /api/* response.
const (
	anonPerMinute    = 60
	webhookPerMinute = 600
	addrLimitsSize   = 4096 // addresses remembered; the oldest is forgotten first
)

// addrLimits is a token bucket per client address.
type addrLimits struct {
	perMinute int
	now       func() time.Time

	mu sync.Mutex
	m  *fifo.Map[netip.Addr, *rate.Limiter]
}

func newAddrLimits(perMinute int, now func() time.Time) *addrLimits {
	return &addrLimits{perMinute: perMinute, now: now, m: fifo.New[netip.Addr, *rate.Limiter](addrLimitsSize)}
}

// take takes one request of r's address from its bucket when consume is
// set, else only reads the bucket, and returns what the rate-limit headers
// say.
func (a *addrLimits) take(r *http.Request, consume bool) bucketState {
	addr := clientAddr(r)
	a.mu.Lock()
	l, ok := a.m.Get(addr)
	if !ok {
		l = rate.NewLimiter(rate.Limit(float64(a.perMinute)/60), a.perMinute)
		a.m.Put(addr, l)
	}
	a.mu.Unlock()
	return takeFrom(l, a.perMinute, a.now(), consume)
}

// clientAddr is the IP of r's connection (the zero Addr when unreadable).
func clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// bucketState is a token bucket's answer to one request.
type bucketState struct {
	ok         bool
	limit      int
	remaining  int
	reset      time.Time     // when the bucket is full again; when refused, when the request would pass
	retryAfter time.Duration // when refused
}

// takeFrom takes one token of l (burst limit) at now, or only reads it.
func takeFrom(l *rate.Limiter, limit int, now time.Time, consume bool) bucketState {
	if consume {
		r := l.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			return bucketState{limit: limit, reset: now.Add(d), retryAfter: d}
		}
	}
	tokens := l.TokensAt(now)
	missing := float64(limit) - tokens
	full := now.Add(time.Duration(missing / float64(l.Limit()) * float64(time.Second)))
	return bucketState{ok: true, limit: limit, remaining: max(0, int(tokens)), reset: full}
}

// set writes the X-RateLimit-* headers of s, and Retry-After when s
// refused the request.
func (s bucketState) set(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	if !s.ok {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(s.retryAfter.Seconds()))))
	}
}
