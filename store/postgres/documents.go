package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// documentLockClass is the first key of the advisory lock that serialises
// saves of one document reference; the second is a hash of the reference.
const documentLockClass = 0x4843_5944 // "HCYD"

// scanVersion reads a row of ref, version, hash, document, created_at.
func scanVersion(row pgx.Row) (store.DocumentVersion, error) {
	var (
		v   store.DocumentVersion
		doc []byte
	)
	if err := row.Scan(&v.Ref, &v.Version, &v.Hash, &doc, &v.CreatedAt); err != nil {
		return store.DocumentVersion{}, err
	}
	v.CreatedAt = v.CreatedAt.UTC()
	v.Document = new(content.Document)
	if err := decode(doc, v.Document, fmt.Sprintf("document %q version %d", v.Ref, v.Version)); err != nil {
		return store.DocumentVersion{}, err
	}
	return v, nil
}

// SaveDocument records doc as the newest version of ref unless its
// ContentHash equals the newest version's (or force is set). Saves of one
// ref are serialised by a transaction-scoped advisory lock, so concurrent
// saves number their versions without gaps or conflicts.
func (q *queries) SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (store.DocumentVersion, bool, error) {
	if ref == "" || doc == nil {
		return store.DocumentVersion{}, false, invalid("save document %q: empty ref or nil document", ref)
	}
	hash := doc.ContentHash()
	body, err := encode(doc, fmt.Sprintf("document %q", ref))
	if err != nil {
		return store.DocumentVersion{}, false, err
	}
	var (
		out     store.DocumentVersion
		created bool
	)
	err = q.atomically(ctx, func(db querier, _ counts) error {
		if _, err := db.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(documentLockClass), ref); err != nil {
			return classify(err, fmt.Sprintf("save document %q: lock", ref))
		}
		latest, err := scanVersion(db.QueryRow(ctx, `SELECT ref, version, hash, document, created_at
FROM document_versions WHERE ref = $1 ORDER BY version DESC LIMIT 1`, ref))
		switch {
		case err == nil:
			if latest.Hash == hash && !force {
				out = latest
				return nil
			}
		case errors.Is(err, pgx.ErrNoRows):
		default:
			return classify(err, fmt.Sprintf("save document %q", ref))
		}
		v := store.DocumentVersion{Ref: ref, Version: latest.Version + 1, Hash: hash, CreatedAt: now()}
		if _, err := db.Exec(ctx, `INSERT INTO document_versions (ref, version, hash, document, created_at)
VALUES ($1, $2, $3, $4, $5)`, v.Ref, v.Version, v.Hash, body, v.CreatedAt); err != nil {
			return classify(err, fmt.Sprintf("save document %q version %d", ref, v.Version))
		}
		// Return what a later read returns: the document as stored.
		v.Document = new(content.Document)
		if err := decode(body, v.Document, fmt.Sprintf("document %q", ref)); err != nil {
			return err
		}
		out, created = v, true
		return nil
	})
	if err != nil {
		return store.DocumentVersion{}, false, err
	}
	return out, created, nil
}

// LatestDocument returns the newest version of ref.
func (q *queries) LatestDocument(ctx context.Context, ref string) (store.DocumentVersion, error) {
	if ref == "" {
		return store.DocumentVersion{}, invalid("latest document: empty ref")
	}
	v, err := scanVersion(q.db.QueryRow(ctx, `SELECT ref, version, hash, document, created_at
FROM document_versions WHERE ref = $1 ORDER BY version DESC LIMIT 1`, ref))
	if err != nil {
		return store.DocumentVersion{}, classify(err, fmt.Sprintf("latest document %q", ref))
	}
	return v, nil
}

// DocumentVersions lists the versions of ref, newest first; limit 0 means
// all of them.
func (q *queries) DocumentVersions(ctx context.Context, ref string, limit int) ([]store.DocumentVersion, error) {
	if ref == "" || limit < 0 {
		return nil, invalid("document versions of %q: empty ref or negative limit %d", ref, limit)
	}
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	rows, err := q.db.Query(ctx, `SELECT ref, version, hash, document, created_at
FROM document_versions WHERE ref = $1 ORDER BY version DESC LIMIT $2`, ref, lim)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("document versions of %q", ref))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DocumentVersion, error) { return scanVersion(r) })
	if err != nil {
		return nil, classify(err, fmt.Sprintf("document versions of %q", ref))
	}
	return out, nil
}

// SaveBundle stores b under b.ID, replacing a bundle saved with the same
// ID; a zero CreatedAt becomes now, on b too.
func (q *queries) SaveBundle(ctx context.Context, b *store.BundleRecord) error {
	if b == nil || b.ID == "" || b.Bundle == nil {
		return invalid("save bundle: nil record, empty id or nil bundle")
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = now()
	}
	body, err := encode(b.Bundle, fmt.Sprintf("bundle %q", b.ID))
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO bundles (id, job_id, hash, bundle, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO UPDATE SET job_id = excluded.job_id, hash = excluded.hash, bundle = excluded.bundle,
created_at = excluded.created_at`, b.ID, b.JobID, b.Hash, body, b.CreatedAt)
	return classify(err, fmt.Sprintf("save bundle %q", b.ID))
}

// GetBundle returns the bundle with the given ID.
func (q *queries) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	if id == "" {
		return nil, invalid("get bundle: empty id")
	}
	var (
		b    store.BundleRecord
		body []byte
	)
	err := q.db.QueryRow(ctx, `SELECT id, job_id, hash, bundle, created_at FROM bundles WHERE id = $1`, id).
		Scan(&b.ID, &b.JobID, &b.Hash, &body, &b.CreatedAt)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get bundle %q", id))
	}
	b.CreatedAt = b.CreatedAt.UTC()
	if err := decode(body, &b.Bundle, fmt.Sprintf("bundle %q", id)); err != nil {
		return nil, err
	}
	return &b, nil
}
