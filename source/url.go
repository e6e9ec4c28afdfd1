package source

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Defaults of URLConfig.
const (
	DefaultURLTimeout       = 15 * time.Second
	DefaultURLHeaderTimeout = 10 * time.Second
	// MaxRedirects is how many redirects a URL fetch follows.
	MaxRedirects = 5
)

// URLConfig configures a URL source. The zero value fetches https URLs on
// ports 80 and 443 of public addresses, at most MaxDocumentSize bytes in
// DefaultURLTimeout.
type URLConfig struct {
	// Guard is the SSRF policy: allowed ranges, ports and schemes.
	Guard Guard
	// MaxBytes caps the body; 0 means MaxDocumentSize.
	MaxBytes int64
	// Timeout caps the whole fetch, redirects and body included; 0 means
	// DefaultURLTimeout. The ctx passed to Fetch may end it sooner.
	Timeout time.Duration
	// HeaderTimeout caps the wait for response headers after a request is
	// sent; 0 means DefaultURLHeaderTimeout.
	HeaderTimeout time.Duration
	// UserAgent is sent with each request; empty means "halcytone".
	UserAgent string
}

// URL fetches documents over http(s) through a client guarded against
// server-side request forgery: every connection, redirects included, is
// checked by the Guard on the address actually dialled; at most
// MaxRedirects redirects are followed; the body and time are capped. The
// format comes from the Content-Type, else the path's extension, else
// detection. Create it with NewURL; it is safe for concurrent use.
type URL struct {
	cfg    URLConfig
	client *http.Client
}

// NewURL returns a URL source with cfg's settings.
func NewURL(cfg URLConfig) *URL {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = MaxDocumentSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultURLTimeout
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = DefaultURLHeaderTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "halcytone"
	}
	cfg.Guard.Allow = append(cfg.Guard.Allow[:0:0], cfg.Guard.Allow...)
	cfg.Guard.Ports = append(cfg.Guard.Ports[:0:0], cfg.Guard.Ports...)
	u := &URL{cfg: cfg}
	g := &u.cfg.Guard
	dialer := g.Dialer()
	dialer.Timeout = cfg.HeaderTimeout
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the guard
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cfg.HeaderTimeout,
		ResponseHeaderTimeout:  cfg.HeaderTimeout,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	u.client = &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", MaxRedirects)
			}
			if err := g.CheckURL(req.URL); err != nil {
				return fmt.Errorf("redirect to %s: %w", redactURL(req.URL), err)
			}
			return nil
		},
	}
	return u
}

// Fetch downloads and parses the document at ref, an http(s) URL.
func (u *URL) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	const op = "url: fetch"
	target, err := url.Parse(ref)
	if err != nil {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "url",
			Err: fmt.Errorf("parse %q: %w", ref, err)}
	}
	if err := u.cfg.Guard.CheckURL(target); err != nil {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "url",
			Err: fmt.Errorf("%s: %w", redactURL(target), err)}
	}
	ctx, cancel := context.WithTimeout(ctx, u.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "url", Err: err}
	}
	req.Header.Set("User-Agent", u.cfg.UserAgent)
	req.Header.Set("Accept", "text/markdown, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1")
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, transportError(op+" "+redactURL(target), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(op+" "+redactURL(target), resp, time.Now())
	}
	if resp.ContentLength > u.cfg.MaxBytes {
		return nil, tooLarge(op+" "+redactURL(target), u.cfg.MaxBytes)
	}
	format, err := formatOf(resp.Header.Get("Content-Type"), resp.Request.URL.Path)
	if err != nil {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "content_type",
			Err: fmt.Errorf("%s: %w", redactURL(target), err)}
	}
	body, err := readBody(op+" "+redactURL(target), resp.Body, u.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	doc, err := Parse(body, format)
	if err != nil {
		return nil, parseError(op, ref, err)
	}
	return finish(doc, ref, doc.Format), nil
}

// formatOf picks the parser for a response: Markdown or JSON by media
// type, else by the path's extension, else "" (detect). HTML, images,
// audio, video and PDF are refused.
func formatOf(contentType, urlPath string) (content.Format, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/markdown", mt == "text/x-markdown":
		return content.FormatMarkdown, nil
	case mt == "application/json", strings.HasSuffix(mt, "+json"):
		return content.FormatJSON, nil
	case mt == "text/html", mt == "application/xhtml+xml", mt == "application/pdf",
		strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return "", fmt.Errorf("unsupported content type %q (want markdown, json or text)", mt)
	}
	switch strings.ToLower(path.Ext(urlPath)) {
	case ".md", ".markdown":
		return content.FormatMarkdown, nil
	case ".json":
		return content.FormatJSON, nil
	case ".txt", ".text":
		return content.FormatText, nil
	}
	return "", nil
}

// parseError classifies a parser failure as InvalidContent.
func parseError(op, ref string, err error) error {
	var ce *content.Error
	if errors.As(err, &ce) {
		return err
	}
	return &content.Error{Class: content.InvalidContent, Op: op, Field: "body",
		Err: fmt.Errorf("parse %s: %w", ref, err)}
}

// finish stamps a fetched document with its reference, format and fetch
// time, and seals its hash.
func finish(doc *content.Document, ref string, format content.Format) *content.Document {
	doc.Source = ref
	if format != "" {
		doc.Format = format
	}
	doc.FetchedAt = time.Now().UTC()
	return doc.Seal()
}

// redactURL renders u without credentials, query or fragment, for error
// messages.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery = "", false
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}
