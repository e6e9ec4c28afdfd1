package mock

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// JWTBearerGrant is the OAuth2 grant type of service-account token
// requests (RFC 7523).
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// OAuth is a fake OAuth2 token endpoint in the manner of Google's: it
// accepts POST /token with the JWT-bearer grant, checks the assertion's
// RS256 signature against the service account keys it issued (see
// ServiceAccountKey), and answers with a bearer access token. Valid tells
// the fake APIs which tokens it issued. Scripted failures answer with
// their status and an OAuth2 error body.
type OAuth struct {
	fake
	smu    sync.Mutex                // guards keys, tokens and n
	keys   map[string]*rsa.PublicKey // by key id
	tokens map[string]Token
	ttl    time.Duration
	n      int
}

// Token is an access token the fake issued.
type Token struct {
	AccessToken string
	Issuer      string // the service account's email
	Scope       string
	Expiry      time.Time
	Revoked     bool
}

// NewOAuth returns a token endpoint issuing tokens valid for an hour. It
// is not listening; use Start, or serve it as an http.Handler.
func NewOAuth() *OAuth {
	return &OAuth{keys: map[string]*rsa.PublicKey{}, tokens: map[string]Token{}, ttl: time.Hour}
}

// StartOAuth returns a started OAuth that tb closes at cleanup.
func StartOAuth(tb testing.TB) *OAuth {
	tb.Helper()
	o := NewOAuth()
	o.Start()
	tb.Cleanup(o.Close)
	return o
}

// Start serves the endpoint on a loopback port (once) and returns its
// base URL.
func (o *OAuth) Start() string { return o.start(o) }

// URL returns the base URL, or "" when not started.
func (o *OAuth) URL() string { return o.url() }

// TokenURL returns the token endpoint's URL, or "" when not started.
func (o *OAuth) TokenURL() string {
	if u := o.url(); u != "" {
		return u + "/token"
	}
	return ""
}

// Close stops the listener, if started.
func (o *OAuth) Close() { o.close() }

// FailNext makes the next n token requests fail with status, sending
// Retry-After when retryAfter is positive.
func (o *OAuth) FailNext(n, status int, retryAfter time.Duration) { o.failNext(n, status, retryAfter) }

// Requests returns the requests received so far.
func (o *OAuth) Requests() []Request { return o.requests() }

// ServiceAccountKey returns a new service account JSON key file (a fresh
// 2048-bit RSA key) whose token_uri is this endpoint's, and registers its
// public key. The endpoint must have been started.
func (o *OAuth) ServiceAccountKey(email string) ([]byte, error) {
	tokenURL := o.TokenURL()
	if tokenURL == "" {
		return nil, fmt.Errorf("mock: oauth: start the endpoint before creating keys")
	}
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("mock: oauth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(pk)
	if err != nil {
		return nil, fmt.Errorf("mock: oauth: marshal key: %w", err)
	}
	kid := make([]byte, 8)
	_, _ = rand.Read(kid)
	keyID := hex.EncodeToString(kid)
	o.smu.Lock()
	o.keys[keyID] = &pk.PublicKey
	o.smu.Unlock()
	return json.MarshalIndent(map[string]string{
		"type":           "service_account",
		"project_id":     "halcytone-mock",
		"private_key_id": keyID,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   email,
		"client_id":      "100000000000000000001",
		"auth_uri":       o.URL() + "/auth",
		"token_uri":      tokenURL,
	}, "", "  ")
}

// Valid reports whether token was issued here, is unexpired and not
// revoked.
func (o *OAuth) Valid(token string) bool {
	o.smu.Lock()
	defer o.smu.Unlock()
	t, ok := o.tokens[token]
	return ok && !t.Revoked && time.Now().Before(t.Expiry)
}

// RevokeAll revokes every token issued so far.
func (o *OAuth) RevokeAll() {
	o.smu.Lock()
	defer o.smu.Unlock()
	for k, t := range o.tokens {
		t.Revoked = true
		o.tokens[k] = t
	}
}

// Issued returns the tokens issued so far.
func (o *OAuth) Issued() []Token {
	o.smu.Lock()
	defer o.smu.Unlock()
	out := make([]Token, 0, len(o.tokens))
	for _, t := range o.tokens {
		out = append(out, t)
	}
	return out
}

// ServeHTTP answers token requests at /token.
func (o *OAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, _, fl := o.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { o.answered(i, rec.status) }()
	if fl != nil {
		setRetryAfter(rec, fl.retryAfter)
		oauthError(rec, fl.status, "temporarily_unavailable", "scripted failure")
		return
	}
	if r.URL.Path != "/token" {
		oauthError(rec, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	if r.Method != http.MethodPost {
		rec.Header().Set("Allow", http.MethodPost)
		oauthError(rec, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(rec, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != JWTBearerGrant {
		oauthError(rec, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant type %q", g))
		return
	}
	claims, err := o.verify(r.PostForm.Get("assertion"))
	if err != nil {
		oauthError(rec, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	}
	tok := o.issue(claims.Iss, claims.Scope)
	rec.Header().Set("Content-Type", "application/json")
	rec.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(rec).Encode(map[string]any{
		"access_token": tok.AccessToken,
		"token_type":   "Bearer",
		"expires_in":   int(o.ttl / time.Second),
	})
}

type jwtClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
}

// verify checks an RS256 JWT assertion signed by a registered key and
// returns its claims.
func (o *OAuth) verify(assertion string) (*jwtClaims, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("assertion is not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, fmt.Errorf("jwt header: %w", err)
	}
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("jwt alg %q (want RS256)", header.Alg)
	}
	o.smu.Lock()
	pub := o.keys[header.Kid]
	o.smu.Unlock()
	if pub == nil {
		return nil, fmt.Errorf("unknown key id %q", header.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("jwt signature: %w", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return nil, fmt.Errorf("invalid jwt signature")
	}
	var c jwtClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, fmt.Errorf("jwt claims: %w", err)
	}
	now := time.Now().Unix()
	switch {
	case c.Iss == "":
		return nil, fmt.Errorf("jwt has no issuer")
	case c.Scope == "":
		return nil, fmt.Errorf("jwt has no scope")
	case c.Exp < now:
		return nil, fmt.Errorf("jwt expired")
	case c.Iat > now+300:
		return nil, fmt.Errorf("jwt issued in the future")
	case c.Aud != o.TokenURL():
		return nil, fmt.Errorf("jwt audience %q (want %q)", c.Aud, o.TokenURL())
	}
	return &c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// issue records and returns a new access token.
func (o *OAuth) issue(issuer, scope string) Token {
	o.smu.Lock()
	defer o.smu.Unlock()
	o.n++
	salt := make([]byte, 8)
	_, _ = rand.Read(salt)
	t := Token{
		AccessToken: fmt.Sprintf("mock-access-%d-%s", o.n, hex.EncodeToString(salt)),
		Issuer:      issuer,
		Scope:       scope,
		Expiry:      time.Now().Add(o.ttl),
	}
	o.tokens[t.AccessToken] = t
	return t
}

// oauthError writes an RFC 6749 error response.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
