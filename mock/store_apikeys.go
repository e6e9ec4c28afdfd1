package mock

import (
	"context"

	"github.com/halcytone/halcytone/store"
)

// CreateAPIKey implements store.Queries; a taken ID or hash is ErrConflict.
func (o *ops) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if k == nil || k.ID == "" {
		return invalid("create api key: empty ID")
	}
	if k.Hash == "" {
		return invalid("create api key %q: empty hash", k.ID)
	}
	if _, ok := o.d.apiKeys[k.ID]; ok {
		return conflict("api key", k.ID)
	}
	if _, ok := o.d.keyHashes[k.Hash]; ok {
		return conflict("api key hash of", k.ID)
	}
	stamp(&k.CreatedAt, nil)
	c := cloneAPIKey(k)
	c.CreatedAt = norm(c.CreatedAt)
	put(o.undo, o.d.apiKeys, k.ID, c)
	put(o.undo, o.d.keyHashes, k.Hash, k.ID)
	return nil
}

// APIKeyByHash implements store.Queries.
func (o *ops) APIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if hash == "" {
		return nil, invalid("api key by hash: empty hash")
	}
	id, ok := o.d.keyHashes[hash]
	if !ok {
		return nil, notFound("api key with hash", hash)
	}
	return cloneAPIKey(o.d.apiKeys[id]), nil
}

// ListAPIKeys implements store.Queries: oldest first, ties by ID.
func (o *ops) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	out := []store.APIKey{}
	for _, k := range sortedValues(o.d.apiKeys, func(a, b *store.APIKey) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.ID, b.ID, false)
	}) {
		out = append(out, *cloneAPIKey(k))
	}
	return out, nil
}

// RevokeAPIKey implements store.Queries; revoking twice is not an error.
func (o *ops) RevokeAPIKey(ctx context.Context, id string) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if id == "" {
		return invalid("revoke api key: empty ID")
	}
	k, ok := o.d.apiKeys[id]
	if !ok {
		return notFound("api key", id)
	}
	c := cloneAPIKey(k)
	c.Revoked = true
	put(o.undo, o.d.apiKeys, id, c)
	return nil
}
