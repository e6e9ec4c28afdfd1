package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// docsFS holds the API reference page at /docs: the page template, the
// Redoc bundle of the npm package redoc (see docsui/README.md for its
// version, licence and how to refresh it), and the script and style that
// start it. Nothing is loaded from another origin, so /docs works offline.
//
//go:embed docsui/index.html docsui/*.js docsui/*.css docsui/*.txt
var docsFS embed.FS

// docsSpecPath is where huma serves the OpenAPI document: server.go sets
// OpenAPIPath "/openapi", and huma adds the ".json" and ".yaml" routes.
const docsSpecPath = "/openapi.json"

// docsAssetPrefix is the path under which the files of docsFS are served.
const docsAssetPrefix = "/docs/assets/"

// docsCSP is the Content-Security-Policy of the /docs page: only this
// server's own scripts, styles, images and fetches. Redoc needs inline
// styles (styled-components and style attributes in rendered markdown),
// data: images (its icons) and a blob: worker (its search index); it needs
// no inline script and no eval.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsContentType returns the content type of a file served under
// docsAssetPrefix by its extension; a file with another extension is not
// served.
func docsContentType(ext string) (string, bool) {
	switch ext {
	case ".js":
		return "application/javascript; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case ".txt":
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

// docsAsset is one file served under docsAssetPrefix.
type docsAsset struct {
	name        string
	contentType string
	body        []byte
	version     string // hex digest prefix of body: the ?v= of its URL and its ETag
	gzipped     func() []byte
}

// docsUI is the rendered /docs page and its assets.
type docsUI struct {
	page   []byte
	assets map[string]*docsAsset
}

// newDocsUI reads the assets of fsys (the layout of docsFS) and renders
// the page for an API titled title.
func newDocsUI(fsys fs.FS, title string) (*docsUI, error) {
	ui := &docsUI{assets: map[string]*docsAsset{}}
	entries, err := fs.ReadDir(fsys, "docsui")
	if err != nil {
		return nil, fmt.Errorf("docs: read assets: %w", err)
	}
	for _, e := range entries {
		ct, ok := docsContentType(path.Ext(e.Name()))
		if !ok || e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(fsys, "docsui/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("docs: read %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		a := &docsAsset{name: e.Name(), contentType: ct, body: body, version: hex.EncodeToString(sum[:8])}
		a.gzipped = sync.OnceValue(func() []byte { return gzipBytes(body) })
		ui.assets[e.Name()] = a
	}
	tmpl, err := template.New("index.html").Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := ui.assets[name]
			if !ok {
				return "", fmt.Errorf("no asset %q", name)
			}
			return docsAssetPrefix + a.name + "?v=" + a.version, nil
		},
	}).ParseFS(fsys, "docsui/index.html")
	if err != nil {
		return nil, fmt.Errorf("docs: parse page: %w", err)
	}
	var page bytes.Buffer
	if err := tmpl.Execute(&page, struct{ Title, SpecURL string }{title, docsSpecPath}); err != nil {
		return nil, fmt.Errorf("docs: render page: %w", err)
	}
	ui.page = page.Bytes()
	return ui, nil
}

// gzipBytes returns b compressed; writing to memory cannot fail.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// registerDocs serves the API reference: GET /docs, a page that renders
// /openapi.json with the embedded Redoc, and GET /docs/assets/{file}, the
// page's scripts and styles. Both are public. An asset requested with its
// current ?v= is cached as immutable for a year; otherwise it is
// revalidated by its ETag. Assets are sent gzip-compressed to clients that
// accept it.
func (s *Server) registerDocs() {
	ui := sync.OnceValues(func() (*docsUI, error) {
		return newDocsUI(docsFS, s.api.OpenAPI().Info.Title)
	})
	s.mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		d, err := ui()
		if err != nil {
			s.log.ErrorContext(r.Context(), "docs page", "err", err)
			s.writeProblem(w, r, http.StatusInternalServerError, "the API reference page is unavailable")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(d.page)
	})
	s.mux.HandleFunc("GET /docs/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/docs", http.StatusMovedPermanently)
	})
	s.mux.HandleFunc("GET "+docsAssetPrefix+"{file}", func(w http.ResponseWriter, r *http.Request) {
		d, err := ui()
		if err != nil {
			s.log.ErrorContext(r.Context(), "docs assets", "err", err)
			s.writeProblem(w, r, http.StatusInternalServerError, "the API reference assets are unavailable")
			return
		}
		a, ok := d.assets[r.PathValue("file")]
		if !ok {
			s.writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no docs asset %q", r.PathValue("file")))
			return
		}
		a.serve(w, r)
	})
}

// serve writes the asset, honouring If-None-Match, Range and HEAD.
func (a *docsAsset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, `"`+a.version+`"`
	if acceptsGzip(r) {
		body, etag = a.gzipped(), `"`+a.version+`-gzip"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
