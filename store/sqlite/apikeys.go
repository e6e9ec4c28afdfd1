package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/halcytone/halcytone/store"
)

const apiKeyColumns = `id, name, hash, prefix, scopes, rate_limit, revoked, created_at`

func scanAPIKey(sc scanner) (*store.APIKey, error) {
	var (
		k       store.APIKey
		scopes  sql.NullString
		revoked int
		created sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &scopes, &k.RateLimit, &revoked, &created); err != nil {
		return nil, err
	}
	k.Revoked = revoked != 0
	k.CreatedAt = fromMicros(created)
	if err := decodeJSON(scopes, &k.Scopes, fmt.Sprintf("api key %q scopes", k.ID)); err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateAPIKey inserts k; a taken ID or Hash is ErrConflict.
func (q *queries) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if k == nil || k.ID == "" {
		return invalid("create api key: empty id")
	}
	if k.Hash == "" {
		return invalid("create api key %q: empty hash", k.ID)
	}
	scopes, err := encodeJSON(k.Scopes, fmt.Sprintf("api key %q scopes", k.ID))
	if err != nil {
		return err
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = q.now()
	}
	k.CreatedAt = norm(k.CreatedAt)
	_, err = q.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.Hash, k.Prefix, scopes, k.RateLimit, boolInt(k.Revoked), k.CreatedAt.UnixMicro())
	return classify(err, fmt.Sprintf("create api key %q", k.ID))
}

// APIKeyByHash returns the key whose Hash is hash.
func (q *queries) APIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	if hash == "" {
		return nil, invalid("api key by hash: empty hash")
	}
	k, err := scanAPIKey(q.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return nil, classify(err, "api key by hash")
	}
	return k, nil
}

// ListAPIKeys lists every key, oldest first (ties by ID).
func (q *queries) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	rows, err := q.query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(err, "list api keys")
	}
	return collect(rows, scanAPIKey, "list api keys")
}

// RevokeAPIKey marks a key revoked.
func (q *queries) RevokeAPIKey(ctx context.Context, id string) error {
	if id == "" {
		return invalid("revoke api key: empty id")
	}
	res, err := q.exec(ctx, `UPDATE api_keys SET revoked = 1 WHERE id = ?`, id)
	return affected(res, err, fmt.Sprintf("revoke api key %q", id))
}

// affected turns a write that changed no row into ErrNotFound.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return classify(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return classify(err, what)
	}
	if n == 0 {
		return classify(sql.ErrNoRows, what)
	}
	return nil
}
