package server

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/store"
)

// KeyBody is an API key's metadata on the wire: never its hash, and its
// plain text only in the answer that creates it.
type KeyBody struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix" doc:"the key's first characters, to recognise it"`
	Scopes    []string  `json:"scopes"`
	RateLimit int       `json:"rate_limit" doc:"requests per minute; 0 means unlimited"`
	Revoked   bool      `json:"revoked"`
	CreatedAt time.Time `json:"created_at"`
}

// keyBodyOf converts a stored key to its wire form.
func keyBodyOf(k *store.APIKey) KeyBody {
	return KeyBody{
		ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: nonNil(k.Scopes),
		RateLimit: k.RateLimit, Revoked: k.Revoked, CreatedAt: k.CreatedAt.UTC(),
	}
}

// CreatedKeyBody is the answer to a key creation: the plain-text key,
// shown this once, and its metadata.
type CreatedKeyBody struct {
	Key string `json:"key" doc:"the key in plain text; it is not stored and cannot be shown again"`
	KeyBody
}

// CreateKeyRequest is the body of POST /api/v2/keys.
type CreateKeyRequest struct {
	Name      string   `json:"name" minLength:"1" maxLength:"100"`
	Scopes    []string `json:"scopes" minItems:"1" maxItems:"4" enum:"read,write,approve,admin"`
	RateLimit *int     `json:"rate_limit,omitempty" minimum:"0" doc:"requests per minute; 0 means unlimited; omitted: the default"`
}

// registerKeys registers key management; the middleware requires the
// admin scope on every /api/v2/keys path.
func (s *Server) registerKeys() {
	type keyListBody struct {
		Keys []KeyBody `json:"keys"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-keys", Method: http.MethodGet, Path: "/api/v2/keys", Tags: []string{"keys"},
		Summary: "List API keys, oldest first (admin)",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body keyListBody }, error) {
		keys, err := s.store.ListAPIKeys(ctx)
		if err != nil {
			return nil, apiError(err)
		}
		out := keyListBody{Keys: make([]KeyBody, 0, len(keys))}
		for i := range keys {
			out.Keys = append(out.Keys, keyBodyOf(&keys[i]))
		}
		return &struct{ Body keyListBody }{out}, nil
	})

	type createOutput struct {
		Status int
		Body   CreatedKeyBody
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "create-key", Method: http.MethodPost, Path: "/api/v2/keys", Tags: []string{"keys"},
		Summary:       "Create an API key; its plain text is returned once (admin)",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body CreateKeyRequest }) (*createOutput, error) {
		limit := DefaultKeyLimit
		if in.Body.RateLimit != nil {
			limit = *in.Body.RateLimit
		}
		if _, err := ParseScopes(in.Body.Scopes); err != nil {
			return nil, invalid("scopes", "%v", err)
		}
		plain, k, err := s.cfg.Keys.Create(ctx, in.Body.Name, in.Body.Scopes, limit)
		if err != nil {
			return nil, apiError(err)
		}
		return &createOutput{Status: http.StatusCreated, Body: CreatedKeyBody{Key: plain, KeyBody: keyBodyOf(k)}}, nil
	})

	type keyRevokeBody struct {
		Revoked bool   `json:"revoked"`
		ID      string `json:"id"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "revoke-key", Method: http.MethodDelete, Path: "/api/v2/keys/{id}", Tags: []string{"keys"},
		Summary: "Revoke an API key at once (admin); revoking twice is not an error",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"128"`
	}) (*struct{ Body keyRevokeBody }, error) {
		if err := s.cfg.Keys.Revoke(ctx, in.ID); err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body keyRevokeBody }{keyRevokeBody{Revoked: true, ID: in.ID}}, nil
	})
}
