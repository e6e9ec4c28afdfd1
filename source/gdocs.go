package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/halcytone/halcytone/content"
)

// Google Docs API constants.
const (
	// DefaultGoogleDocsEndpoint is the Docs API's base URL.
	DefaultGoogleDocsEndpoint = "https://docs.googleapis.com"
	// GoogleDocsScope is the OAuth2 scope the source asks for.
	GoogleDocsScope = "https://www.googleapis.com/auth/documents.readonly"
	// DefaultRemoteTimeout caps one remote call of the Google Docs and
	// Notion sources (a request and its body).
	DefaultRemoteTimeout = 15 * time.Second
)

// isGoogleDocID reports whether id can be the ID of a Google Docs
// document: 1 to 256 ASCII letters, digits, '_' and '-'. (The regular
// expression ^[A-Za-z0-9_-]{1,256}$ says the same, but compiling its
// bounded repeat took 3,366 allocations and 240 KB of heap, kept for the
// life of every process that imports this package.)
func isGoogleDocID(id string) bool {
	if len(id) == 0 || len(id) > 256 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// GoogleDocsConfig configures a GoogleDocs source. Give either
// CredentialsJSON (a service account key file) or a TokenSource.
type GoogleDocsConfig struct {
	// CredentialsJSON is a service account's JSON key; the source signs a
	// JWT with it and exchanges it for access tokens at the key's token_uri.
	CredentialsJSON []byte
	// TokenURL, when set, replaces the key's token_uri (tests point it at
	// a fake token endpoint).
	TokenURL string
	// TokenSource, when set, supplies the access tokens instead of
	// CredentialsJSON.
	TokenSource oauth2.TokenSource
	// Endpoint is the API base URL; empty means DefaultGoogleDocsEndpoint.
	Endpoint string
	// HTTPClient sends the API and token requests; nil means a client
	// with no timeout of its own (Timeout applies per call).
	HTTPClient *http.Client
	// Timeout caps one call, token exchange, request and body; 0 means
	// DefaultRemoteTimeout.
	Timeout time.Duration
	// MaxBytes caps one response; 0 means MaxDocumentSize.
	MaxBytes int64
	// Retry is the retry policy for transient failures and rate limits.
	Retry Retry
}

// GoogleDocs fetches documents through the Google Docs REST API
// (documents.get) with an OAuth2 service account, and turns them into
// Documents with DecodeGoogleDoc. References are "gdocs:<document id>".
// Transient failures and rate limits are retried by the Retry policy;
// 401/403 fail with AuthExpired and 404 with NotFound. Create it with
// NewGoogleDocs; it is safe for concurrent use.
type GoogleDocs struct {
	endpoint string
	tokens   oauth2.TokenSource
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
	retry    Retry
}

// NewGoogleDocs returns a GoogleDocs source for cfg. It fails when
// neither credentials nor a token source are given, when the key is not
// a service account key, or when Endpoint is not an absolute URL.
func NewGoogleDocs(cfg GoogleDocsConfig) (*GoogleDocs, error) {
	const op = "gdocs: configure"
	g := &GoogleDocs{
		endpoint: strings.TrimRight(cfg.Endpoint, "/"),
		client:   cfg.HTTPClient,
		timeout:  cfg.Timeout,
		maxBytes: cfg.MaxBytes,
		retry:    cfg.Retry,
	}
	if g.endpoint == "" {
		g.endpoint = DefaultGoogleDocsEndpoint
	}
	if u, err := url.Parse(g.endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, content.Errorf(content.InvalidContent, op, "endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if g.client == nil {
		g.client = &http.Client{}
	}
	if g.timeout <= 0 {
		g.timeout = DefaultRemoteTimeout
	}
	if g.maxBytes <= 0 {
		g.maxBytes = MaxDocumentSize
	}
	switch {
	case cfg.TokenSource != nil:
		g.tokens = oauth2.ReuseTokenSource(nil, cfg.TokenSource)
	case len(cfg.CredentialsJSON) > 0:
		jwt, err := google.JWTConfigFromJSON(cfg.CredentialsJSON, GoogleDocsScope)
		if err != nil {
			return nil, &content.Error{Class: content.AuthExpired, Op: op,
				Err: fmt.Errorf("read service account key: %w", err)}
		}
		if cfg.TokenURL != "" {
			jwt.TokenURL = cfg.TokenURL
		}
		// The token exchange uses the same client, bounded by its timeout.
		tokenClient := *g.client
		if tokenClient.Timeout <= 0 {
			tokenClient.Timeout = g.timeout
		}
		tokenClient.Transport = tokenTransport{base: tokenClient.Transport}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &tokenClient)
		g.tokens = oauth2.ReuseTokenSource(nil, jwt.TokenSource(ctx))
	default:
		return nil, content.Errorf(content.AuthExpired, op, "no credentials: set CredentialsJSON or TokenSource")
	}
	return g, nil
}

// Fetch gets the document named by ref ("gdocs:<id>") and decodes it.
func (g *GoogleDocs) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	const op = "gdocs: documents.get"
	id, ok := strings.CutPrefix(ref, "gdocs:")
	if !ok || !isGoogleDocID(id) {
		return nil, content.Errorf(content.InvalidContent, op, "reference %q is not gdocs:<document id>", ref)
	}
	var body []byte
	err := g.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		body, err = g.get(ctx, op+" "+id, g.endpoint+"/v1/documents/"+url.PathEscape(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	doc, err := DecodeGoogleDoc(body)
	if err != nil {
		return nil, parseError(op, ref, err)
	}
	return finish(doc, ref, content.FormatGoogleDocs), nil
}

// get performs one authorised GET and returns the body of a 2xx response.
func (g *GoogleDocs) get(ctx context.Context, op, target string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	tok, err := token(ctx, g.tokens)
	if err != nil {
		return nil, tokenError(op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(op, resp, time.Now())
	}
	return readBody(op, resp.Body, g.maxBytes)
}

// token gets a token from ts, giving up when ctx ends first (the exchange
// itself is bounded by its client's timeout).
func token(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := ts.Token()
		ch <- result{tok, err}
	}()
	select {
	case r := <-ch:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tokenError classifies a failed token exchange: refused credentials are
// AuthExpired, rate limits and server failures as their HTTP status says,
// network failures Retryable.
func tokenError(op string, err error) *content.Error {
	op += ": token"
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		c := classOfStatus(re.Response.StatusCode)
		switch c {
		case content.RateLimited, content.Retryable:
			e := &content.Error{Class: c, Op: op, Err: err}
			if c == content.RateLimited {
				e.RetryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
			}
			return e
		}
		return &content.Error{Class: content.AuthExpired, Op: op, Err: err}
	}
	if ce := transportError(op, err); ce.Class != content.Permanent || errors.Is(err, context.Canceled) {
		return ce
	}
	// A key that cannot sign, or a token response that cannot be read.
	return &content.Error{Class: content.AuthExpired, Op: op, Err: err}
}

// tokenTransport reports a failed round trip to the token endpoint as a
// 503 response. The oauth2 package flattens transport errors into text,
// and a network failure must stay classifiable as transient rather than
// as refused credentials.
type tokenTransport struct{ base http.RoundTripper }

// RoundTrip sends req through the base transport.
func (t tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		return resp, nil
	}
	return &http.Response{
		Status:     "503 Service Unavailable",
		StatusCode: http.StatusServiceUnavailable,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader("token endpoint unreachable: " + err.Error())),
		Request:    req,
	}, nil
}
