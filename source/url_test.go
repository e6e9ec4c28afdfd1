package source_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

const livingMarkdown = `# Halcytone News

## [Tips] Breathing

### 2026-11-20 — Box breathing

Breathe in for four counts, hold for four, out for four, and hold again.
`

// loopback starts h on 127.0.0.1 and returns its URL, its port and a
// counter of the requests it received.
func loopback(t *testing.T, h http.HandlerFunc) (string, uint16, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	port, err := strconv.ParseUint(u.Port(), 10, 16)
	require.NoError(t, err)
	return srv.URL, uint16(port), &hits
}

// allowLoopback is a URLConfig that reaches the test servers.
func allowLoopback(port uint16) source.URLConfig {
	return source.URLConfig{Guard: source.Guard{
		Allow:     []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Ports:     []uint16{port},
		AllowHTTP: true,
	}}
}

func TestURLFetchFormats(t *testing.T) {
	tests := []struct {
		name, path, contentType, body string
		want                          content.Format
	}{
		{"markdown by type", "/news", "text/markdown; charset=utf-8", livingMarkdown, content.FormatMarkdown},
		{"markdown by extension", "/news.md", "text/plain", livingMarkdown, content.FormatMarkdown},
		{"markdown detected", "/news", "", livingMarkdown, content.FormatMarkdown},
		{"json by type", "/feed", "application/json",
			`[{"title":"Box breathing","body":"Breathe in for four counts and out for four.","category":"tips"}]`, content.FormatJSON},
		{"text by extension", "/notes.txt", "application/octet-stream",
			"Box breathing\nBreathe in for four counts and out for four counts.\n", content.FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, port, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				fmt.Fprint(w, tt.body)
			})
			ref := base + tt.path
			doc, err := source.NewURL(allowLoopback(port)).Fetch(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, doc.Format)
			assert.Equal(t, ref, doc.Source)
			assert.Equal(t, doc.ContentHash(), doc.Hash)
			assert.False(t, doc.FetchedAt.IsZero())
			items := doc.Items()
			require.NotEmpty(t, items)
			assert.Equal(t, "Box breathing", items[0].Title)
		})
	}
}

func TestURLRefusesLoopbackByDefault(t *testing.T) {
	base, port, hits := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, livingMarkdown)
	})
	cfg := source.URLConfig{Guard: source.Guard{Ports: []uint16{port}, AllowHTTP: true}}
	localhost := strings.Replace(base, "127.0.0.1", "localhost", 1)
	for _, ref := range []string{base + "/doc.md", localhost + "/doc.md"} {
		_, err := source.NewURL(cfg).Fetch(context.Background(), ref)
		require.Error(t, err, ref)
		assert.Equal(t, content.InvalidContent, content.ClassOf(err), ref)
		assert.ErrorIs(t, err, source.ErrRefused)
		assert.Contains(t, err.Error(), "loopback")
	}
	assert.Zero(t, hits.Load(), "no request may reach a refused address")
}

func TestURLRefusesRedirectsToInternalAddresses(t *testing.T) {
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
		"http://[::1]/",
		"http://[::ffff:127.0.0.2]/",
		"http://100.64.0.1/",
	} {
		t.Run(target, func(t *testing.T) {
			base, port, hits := loopback(t, nil)
			// Send the redirect to the allowed port, so only the address
			// check can refuse it.
			u, err := url.Parse(target)
			require.NoError(t, err)
			u.Host = u.Hostname()
			if strings.Contains(u.Host, ":") {
				u.Host = "[" + u.Host + "]"
			}
			u.Host += ":" + strconv.Itoa(int(port))
			srv := httptest.NewServer(http.RedirectHandler(u.String(), http.StatusFound))
			t.Cleanup(srv.Close)
			_ = base
			srvURL, err := url.Parse(srv.URL)
			require.NoError(t, err)
			srvPort, err := strconv.ParseUint(srvURL.Port(), 10, 16)
			require.NoError(t, err)
			cfg := allowLoopback(uint16(srvPort))
			cfg.Guard.Ports = append(cfg.Guard.Ports, port)

			_, err = source.NewURL(cfg).Fetch(context.Background(), srv.URL+"/doc.md")
			require.Error(t, err)
			assert.Equal(t, content.InvalidContent, content.ClassOf(err))
			assert.ErrorIs(t, err, source.ErrRefused)
			assert.Contains(t, err.Error(), "redirect to")
			assert.Zero(t, hits.Load())
		})
	}
}

func TestURLRedirects(t *testing.T) {
	var final string
	base, port, hits := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/doc.md", http.StatusMovedPermanently)
		case "/elsewhere":
			http.Redirect(w, r, final, http.StatusFound)
		default:
			fmt.Fprint(w, livingMarkdown)
		}
	})
	src := source.NewURL(allowLoopback(port))

	doc, err := src.Fetch(context.Background(), base+"/moved")
	require.NoError(t, err)
	assert.Len(t, doc.Items(), 1)

	hits.Store(0)
	_, err = src.Fetch(context.Background(), base+"/loop")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redirects")
	assert.Equal(t, int64(source.MaxRedirects+1), hits.Load())

	// A redirect to a port that is not allowed.
	final = "http://127.0.0.1:1/doc.md"
	_, err = src.Fetch(context.Background(), base+"/elsewhere")
	require.Error(t, err)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	assert.Contains(t, err.Error(), "port 1")

	// A redirect to another scheme.
	final = "ftp://127.0.0.1/doc.md"
	_, err = src.Fetch(context.Background(), base+"/elsewhere")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scheme")
}

func TestURLStatusClasses(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		status     int
		retryAfter string
		want       content.ErrorClass
		minWait    time.Duration
	}{
		{http.StatusNotFound, "", content.NotFound, 0},
		{http.StatusGone, "", content.NotFound, 0},
		{http.StatusUnauthorized, "", content.AuthExpired, 0},
		{http.StatusForbidden, "", content.AuthExpired, 0},
		{http.StatusTooManyRequests, "7", content.RateLimited, 7 * time.Second},
		{http.StatusTooManyRequests, date, content.RateLimited, 60 * time.Second},
		{http.StatusTooManyRequests, "soon", content.RateLimited, 0},
		{http.StatusInternalServerError, "", content.Retryable, 0},
		{http.StatusBadGateway, "", content.Retryable, 0},
		{http.StatusServiceUnavailable, "", content.Retryable, 0},
		{http.StatusTeapot, "", content.Permanent, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.retryAfter), func(t *testing.T) {
			base, port, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				http.Error(w, "remote says no", tt.status)
			})
			_, err := source.NewURL(allowLoopback(port)).Fetch(context.Background(), base+"/doc.md")
			require.Error(t, err)
			assert.Equal(t, tt.want, content.ClassOf(err))
			assert.Contains(t, err.Error(), strconv.Itoa(tt.status))
			assert.Contains(t, err.Error(), "remote says no")
			var ce *content.Error
			require.True(t, errors.As(err, &ce))
			assert.GreaterOrEqual(t, ce.RetryAfter, tt.minWait)
			if tt.minWait == 0 {
				assert.Zero(t, ce.RetryAfter)
			}
		})
	}
}

func TestURLCaps(t *testing.T) {
	big := strings.Repeat("breathe ", 200)
	base, port, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream.md":
			// No Content-Length: the cap must hold while reading.
			w.Header().Set("Content-Type", "text/markdown")
			for range 10 {
				fmt.Fprint(w, big)
				w.(http.Flusher).Flush()
			}
		case "/slow.md":
			<-r.Context().Done()
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>hello</body></html>")
		default:
			w.Header().Set("Content-Type", "text/markdown")
			fmt.Fprint(w, "# "+big)
		}
	})
	cfg := allowLoopback(port)
	cfg.MaxBytes = 1000
	cfg.HeaderTimeout = 50 * time.Millisecond
	src := source.NewURL(cfg)

	for _, path := range []string{"/big.md", "/stream.md"} {
		_, err := src.Fetch(context.Background(), base+path)
		require.Error(t, err, path)
		assert.Equal(t, content.InvalidContent, content.ClassOf(err), path)
		assert.Contains(t, err.Error(), "larger than 1000 bytes", path)
	}

	_, err := src.Fetch(context.Background(), base+"/slow.md")
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))

	_, err = src.Fetch(context.Background(), base+"/page.html")
	require.Error(t, err)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	assert.Contains(t, err.Error(), "text/html")
}

func TestURLContext(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	base, port, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	src := source.NewURL(allowLoopback(port))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := src.Fetch(ctx, base+"/doc.md")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, content.Retryable, content.ClassOf(err))

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = src.Fetch(ctx, base+"/doc.md")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, content.Permanent, content.ClassOf(err))
}

func TestURLBadReferences(t *testing.T) {
	src := source.NewURL(source.URLConfig{})
	for _, ref := range []string{
		"ftp://example.com/doc.md",
		"http://example.com/doc.md",
		"https://user:hunter2@example.com/doc.md",
		"https://example.com:8443/doc.md",
		"https://[::1]/doc.md",
		"https://169.254.169.254/latest/meta-data/",
		"://bad",
		"gdocs:abc",
	} {
		_, err := src.Fetch(context.Background(), ref)
		require.Error(t, err, ref)
		assert.Equal(t, content.InvalidContent, content.ClassOf(err), ref)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

func TestURLParseErrors(t *testing.T) {
	base, port, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown")
		w.Write([]byte{'#', ' ', 0xff, 0xfe})
	})
	_, err := source.NewURL(allowLoopback(port)).Fetch(context.Background(), base+"/bad.md")
	require.Error(t, err)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	assert.ErrorIs(t, err, source.ErrInvalidEncoding)
}
