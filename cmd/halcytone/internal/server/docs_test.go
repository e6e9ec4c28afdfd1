package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	docsAttrURL  = regexp.MustCompile(`\b(?:src|href|data-spec-url)="([^"]*)"`)
	docsAbsURL   = regexp.MustCompile(`(?i)\bhttps?:|//[a-z0-9.-]+\.[a-z]{2,}`)
	docsRemoteJS = regexp.MustCompile(`https?://[^"'\s)]+\.(?:woff2?|ttf|otf|eot|css|js)(?:["'?#)\s]|$)`)
)

// docsPage fetches /docs and returns it, checked for the basics.
func docsPage(t *testing.T, ts *testServer) response {
	t.Helper()
	res := ts.do(t, http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	return res
}

func TestDocsPage(t *testing.T) {
	ts := newTestServer(t)
	res := docsPage(t, ts) // no key: /docs is public
	page := string(res.Body)

	assert.Regexp(t, `<script src="/docs/assets/redoc\.standalone\.js\?v=[0-9a-f]{16}"></script>`, page)
	assert.Regexp(t, `<script src="/docs/assets/docs\.js\?v=[0-9a-f]{16}"></script>`, page)
	assert.Contains(t, page, `data-spec-url="/openapi.json"`)
	assert.Contains(t, page, "<title>Halcytone API reference</title>")

	// Nothing from another origin, and nothing inline for the CSP to allow.
	assert.NotRegexp(t, docsAbsURL, page, "the page names no other origin")
	for _, m := range docsAttrURL.FindAllStringSubmatch(page, -1) {
		u := m[1]
		assert.True(t, strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") || strings.HasPrefix(u, "data:"),
			"%s is not a path on this server", u)
	}
	assert.Equal(t, strings.Count(page, "<script"), strings.Count(page, "<script src="), "no inline script")
	assert.NotRegexp(t, `(?i)\son[a-z]+=`, page, "no inline event handler")
	assert.NotRegexp(t, `(?i)\sstyle=|<style`, page, "no inline style in the page itself")

	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))

	head := ts.do(t, http.MethodHead, "/docs", "", nil)
	assert.Equal(t, http.StatusOK, head.Status)
	assert.Empty(t, head.Body)

	slash := ts.do(t, http.MethodGet, "/docs/", "", nil) // redirected to /docs
	assert.Equal(t, http.StatusOK, slash.Status)
	assert.Equal(t, res.Body, slash.Body)
}

// TestDocsContentSecurityPolicy: the page may only reach its own server
// (plus data: images and blob: workers, which are not origins).
func TestDocsContentSecurityPolicy(t *testing.T) {
	ts := newTestServer(t)
	csp := docsPage(t, ts).Header.Get("Content-Security-Policy")
	require.NotEmpty(t, csp)
	directives := map[string][]string{}
	for d := range strings.SplitSeq(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			directives[f[0]] = f[1:]
		}
	}
	assert.Equal(t, []string{"'self'"}, directives["default-src"])
	assert.Equal(t, []string{"'self'"}, directives["script-src"], "no inline script, no eval")
	assert.Equal(t, []string{"'none'"}, directives["frame-ancestors"])
	for name, sources := range directives {
		for _, src := range sources {
			switch src {
			case "'self'", "'none'", "data:", "blob:":
			case "'unsafe-inline'":
				assert.Equal(t, "style-src", name, "inline code is only allowed for styles")
			default:
				t.Errorf("%s allows %s: only this server may be reached", name, src)
			}
		}
	}
}

func TestDocsAssets(t *testing.T) {
	ts := newTestServer(t)
	page := string(docsPage(t, ts).Body)
	wantType := map[string]string{
		".js":  "application/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
	}
	seen := 0
	for _, m := range docsAttrURL.FindAllStringSubmatch(page, -1) {
		ref, ok := strings.CutPrefix(m[1], docsAssetPrefix)
		if !ok {
			continue
		}
		seen++
		name, _, _ := strings.Cut(ref, "?")
		res := ts.do(t, http.MethodGet, m[1], "", nil)
		require.Equal(t, http.StatusOK, res.Status, m[1])
		ext := name[strings.LastIndexByte(name, '.'):]
		assert.Equal(t, wantType[ext], res.Header.Get("Content-Type"), name)
		assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"), name)
		assert.NotEmpty(t, res.Header.Get("ETag"), name)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), name)
		assert.NotEmpty(t, res.Body, name)

		// No CDN: no font, stylesheet or script is loaded from elsewhere.
		body := string(res.Body)
		for _, banned := range []string{`<script src="http`, "fonts.googleapis", "fonts.gstatic", "cdn.redoc.ly", "cdn.jsdelivr", "unpkg.com", "@import"} {
			assert.False(t, strings.Contains(body, banned), "%s contains %q", name, banned)
		}
		assert.Empty(t, docsRemoteJS.FindAllString(body, 5), "%s loads files from another origin", name)
		if name != "redoc.standalone.js" { // ours: no URL at all
			assert.Empty(t, docsAbsURL.FindAllString(body, 5), "%s names another origin", name)
		}
	}
	assert.Equal(t, 3, seen, "the page loads the bundle, docs.js and docs.css")
	assert.Contains(t, page, "/docs/assets/redoc.standalone.js")

	// The bundle's licence notice is served where its banner points.
	lic := ts.do(t, http.MethodGet, "/docs/assets/redoc.standalone.js.LICENSE.txt", "", nil)
	assert.Equal(t, http.StatusOK, lic.Status)
	assert.Equal(t, "text/plain; charset=utf-8", lic.Header.Get("Content-Type"))
}

func TestDocsAssetCaching(t *testing.T) {
	ts := newTestServer(t)
	const path = "/docs/assets/docs.js"

	// Without the current version the asset is revalidated, not cached.
	res := ts.do(t, http.MethodGet, path, "", nil, "Accept-Encoding", "identity")
	require.Equal(t, http.StatusOK, res.Status)
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	assert.Equal(t, "application/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, "no-cache", ts.do(t, http.MethodGet, path+"?v=stale", "", nil).Header.Get("Cache-Control"))

	again := ts.do(t, http.MethodGet, path, "", nil, "Accept-Encoding", "identity", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, again.Status)
	assert.Empty(t, again.Body)

	// gzip for clients that accept it, with an ETag of its own.
	gz := ts.do(t, http.MethodGet, path, "", nil, "Accept-Encoding", "gzip, br")
	require.Equal(t, http.StatusOK, gz.Status)
	assert.Equal(t, "gzip", gz.Header.Get("Content-Encoding"))
	assert.Contains(t, gz.Header.Values("Vary"), "Accept-Encoding")
	assert.NotEqual(t, etag, gz.Header.Get("ETag"))
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, res.Body, plain)

	noGzip := ts.do(t, http.MethodGet, path, "", nil, "Accept-Encoding", "gzip;q=0, deflate")
	assert.Empty(t, noGzip.Header.Get("Content-Encoding"))
	assert.Equal(t, res.Body, noGzip.Body)
}

func TestDocsAssetNotFound(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{
		"/docs/assets/nope.js",
		"/docs/assets/index.html", // the page template is not an asset
		"/docs/assets/refresh.sh",
		"/docs/assets/README.md",
		"/docs/assets/..%2fdocs.go",
	} {
		res := ts.do(t, http.MethodGet, path, "", nil)
		assert.Equal(t, http.StatusNotFound, res.Status, path)
		assert.Equal(t, problemType, res.Header.Get("Content-Type"), path)
	}
}

func TestDocsUIBrokenTemplate(t *testing.T) {
	_, err := newDocsUI(fstest.MapFS{
		"docsui/index.html": {Data: []byte(`<script src="{{asset "missing.js"}}"></script>`)},
	}, "T")
	assert.ErrorContains(t, err, `no asset "missing.js"`)

	_, err = newDocsUI(fstest.MapFS{}, "T")
	assert.Error(t, err)
}

func TestOpenAPIDocument(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodGet, "/openapi.json", "", nil) // public
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	assert.Contains(t, res.Header.Get("Content-Type"), "json")
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title string `json:"title"`
		} `json:"info"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3.1"), "openapi %q", doc.OpenAPI)
	assert.Equal(t, "Halcytone API", doc.Info.Title)
	require.Contains(t, doc.Paths, "/api/v2/jobs")
	assert.Contains(t, doc.Paths["/api/v2/jobs"], "get")
	assert.NotContains(t, doc.Paths, "/docs", "the docs page is no API operation")

	yaml := ts.do(t, http.MethodGet, "/openapi.yaml", "", nil)
	assert.Equal(t, http.StatusOK, yaml.Status)
	assert.Contains(t, string(yaml.Body), "openapi: 3.1")
}
