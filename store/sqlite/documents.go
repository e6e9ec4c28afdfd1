package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// SaveDocument records doc as the next version of ref unless its
// ContentHash equals the latest version's (or force is set). It must run
// in a transaction (the read and the insert are one step).
func (q *queries) SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (store.DocumentVersion, bool, error) {
	if ref == "" {
		return store.DocumentVersion{}, false, invalid("save document: empty ref")
	}
	if doc == nil {
		return store.DocumentVersion{}, false, invalid("save document %q: nil document", ref)
	}
	hash := doc.ContentHash()
	latest, err := q.LatestDocument(ctx, ref)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return store.DocumentVersion{}, false, err
	case latest.Hash == hash && !force:
		return latest, false, nil
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return store.DocumentVersion{}, false, fmt.Errorf("sqlite: encode document %q: %w", ref, err)
	}
	v := store.DocumentVersion{Ref: ref, Version: latest.Version + 1, Hash: hash, CreatedAt: norm(q.now())}
	if _, err := q.exec(ctx,
		`INSERT INTO document_versions (ref, version, hash, document, created_at) VALUES (?, ?, ?, ?, ?)`,
		ref, v.Version, hash, string(body), v.CreatedAt.UnixMicro()); err != nil {
		return store.DocumentVersion{}, false, classify(err, fmt.Sprintf("save document %q", ref))
	}
	v.Document = new(content.Document)
	if err := json.Unmarshal(body, v.Document); err != nil {
		return store.DocumentVersion{}, false, fmt.Errorf("sqlite: decode document %q: %w", ref, err)
	}
	return v, true, nil
}

const documentColumns = `ref, version, hash, document, created_at`

func scanDocument(sc scanner) (store.DocumentVersion, error) {
	var (
		v       store.DocumentVersion
		body    sql.NullString
		created sql.NullInt64
	)
	if err := sc.Scan(&v.Ref, &v.Version, &v.Hash, &body, &created); err != nil {
		return v, err
	}
	v.CreatedAt = fromMicros(created)
	v.Document = new(content.Document)
	if err := decodeJSON(body, v.Document, "document "+v.Ref); err != nil {
		return v, err
	}
	return v, nil
}

// LatestDocument returns the newest version of ref.
func (q *queries) LatestDocument(ctx context.Context, ref string) (store.DocumentVersion, error) {
	if ref == "" {
		return store.DocumentVersion{}, invalid("latest document: empty ref")
	}
	row := q.queryRow(ctx,
		`SELECT `+documentColumns+` FROM document_versions WHERE ref = ? ORDER BY version DESC LIMIT 1`, ref)
	v, err := scanDocument(row)
	if err != nil {
		return store.DocumentVersion{}, classify(err, fmt.Sprintf("latest document %q", ref))
	}
	return v, nil
}

// DocumentVersions lists the versions of ref, newest first (none for an
// unknown ref); limit 0 means all of them.
func (q *queries) DocumentVersions(ctx context.Context, ref string, limit int) ([]store.DocumentVersion, error) {
	if ref == "" {
		return nil, invalid("document versions: empty ref")
	}
	limit, err := checkLimit(limit, -1, 0, fmt.Sprintf("document versions %q", ref))
	if err != nil {
		return nil, err
	}
	rows, err := q.query(ctx,
		`SELECT `+documentColumns+` FROM document_versions WHERE ref = ? ORDER BY version DESC LIMIT ?`, ref, limit)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("document versions %q", ref))
	}
	defer rows.Close()
	var out []store.DocumentVersion
	for rows.Next() {
		v, err := scanDocument(rows)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("document versions %q", ref))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, fmt.Sprintf("document versions %q", ref))
	}
	return out, nil
}

// SaveBundle inserts b, or replaces the bundle stored under b.ID.
func (q *queries) SaveBundle(ctx context.Context, b *store.BundleRecord) error {
	if b == nil || b.ID == "" {
		return invalid("save bundle: empty id")
	}
	if b.Bundle == nil {
		return invalid("save bundle %q: nil bundle", b.ID)
	}
	body, err := encodeJSON(b.Bundle, "bundle "+b.ID)
	if err != nil {
		return err
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = q.now()
	}
	b.CreatedAt = norm(b.CreatedAt)
	_, err = q.exec(ctx, `INSERT INTO bundles (id, job_id, hash, bundle, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET job_id = excluded.job_id, hash = excluded.hash,
			bundle = excluded.bundle, created_at = excluded.created_at`,
		b.ID, b.JobID, b.Hash, body, b.CreatedAt.UnixMicro())
	return classify(err, fmt.Sprintf("save bundle %q", b.ID))
}

// GetBundle returns the bundle with the given ID.
func (q *queries) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	if id == "" {
		return nil, invalid("get bundle: empty id")
	}
	var (
		b       store.BundleRecord
		body    sql.NullString
		created sql.NullInt64
	)
	err := q.queryRow(ctx, `SELECT id, job_id, hash, bundle, created_at FROM bundles WHERE id = ?`, id).
		Scan(&b.ID, &b.JobID, &b.Hash, &body, &created)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get bundle %q", id))
	}
	b.CreatedAt = fromMicros(created)
	if body.Valid {
		b.Bundle = new(content.Bundle)
		if err := decodeJSON(body, b.Bundle, "bundle "+id); err != nil {
			return nil, err
		}
	}
	return &b, nil
}
