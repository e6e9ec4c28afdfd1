package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// apiKeyColumns are the columns scanAPIKey reads, in order.
const apiKeyColumns = `id, name, hash, prefix, scopes, rate_limit, revoked, created_at`

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row pgx.Row) (*store.APIKey, error) {
	var k store.APIKey
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &k.Scopes, &k.RateLimit, &k.Revoked, &k.CreatedAt); err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	return &k, nil
}

// CreateAPIKey inserts k, setting a zero CreatedAt to now, on k too. A
// taken ID or Hash is store.ErrConflict.
func (q *queries) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if k == nil || k.ID == "" || k.Hash == "" {
		return invalid("create api key: nil key, empty id or empty hash")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now()
	}
	tag, err := q.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		k.ID, k.Name, k.Hash, k.Prefix, k.Scopes, k.RateLimit, k.Revoked, k.CreatedAt)
	if err != nil {
		return classify(err, fmt.Sprintf("create api key %q", k.ID))
	}
	if tag.RowsAffected() == 0 {
		return conflict("create api key %q: id or hash taken", k.ID)
	}
	return nil
}

// APIKeyByHash returns the key whose Hash is hash.
func (q *queries) APIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	if hash == "" {
		return nil, invalid("api key by hash: empty hash")
	}
	k, err := scanAPIKey(q.db.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		// The hash is a credential's digest: keep it out of the message.
		return nil, classify(err, "api key by hash")
	}
	return k, nil
}

// ListAPIKeys lists every key, oldest first (ties by ID).
func (q *queries) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	rows, err := q.db.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(err, "list api keys")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIKey, error) {
		k, err := scanAPIKey(r)
		if err != nil {
			return store.APIKey{}, err
		}
		return *k, nil
	})
	if err != nil {
		return nil, classify(err, "list api keys")
	}
	return out, nil
}

// RevokeAPIKey marks a key revoked; revoking a revoked key is no error.
func (q *queries) RevokeAPIKey(ctx context.Context, id string) error {
	if id == "" {
		return invalid("revoke api key: empty id")
	}
	tag, err := q.exec(ctx, `UPDATE api_keys SET revoked = true WHERE id = $1`, id)
	if err != nil {
		return classify(err, fmt.Sprintf("revoke api key %q", id))
	}
	if tag.RowsAffected() == 0 {
		return notFound("revoke api key %q", id)
	}
	return nil
}
