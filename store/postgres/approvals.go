package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/halcytone/halcytone/store"
)

// approvalColumns are the columns scanApproval reads, in order.
const approvalColumns = `id, job_id, bundle_id, content_hash, level, state, stages, author,
change_rounds, created_at, updated_at, due_at, escalated, audit`

// scanApproval reads one row of approvalColumns.
func scanApproval(row pgx.Row) (*store.ApprovalRequest, error) {
	var (
		a             store.ApprovalRequest
		state         string
		due           pgtype.Timestamptz
		stages, audit []byte
	)
	if err := row.Scan(&a.ID, &a.JobID, &a.BundleID, &a.ContentHash, &a.Level, &state, &stages,
		&a.Author, &a.ChangeRounds, &a.CreatedAt, &a.UpdatedAt, &due, &a.Escalated, &audit); err != nil {
		return nil, err
	}
	a.State = store.ApprovalState(state)
	a.CreatedAt, a.UpdatedAt, a.DueAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), utc(due)
	what := fmt.Sprintf("approval %q", a.ID)
	if err := decode(stages, &a.Stages, what+" stages"); err != nil {
		return nil, err
	}
	if err := decode(audit, &a.Audit, what+" audit"); err != nil {
		return nil, err
	}
	return &a, nil
}

// approvalArgs returns a's column values in approvalColumns order.
func approvalArgs(a *store.ApprovalRequest) ([]any, error) {
	if err := store.CheckText(a); err != nil {
		return nil, fmt.Errorf("approval %q: %w", a.ID, err)
	}
	what := fmt.Sprintf("approval %q", a.ID)
	stages, err := encode(a.Stages, what+" stages")
	if err != nil {
		return nil, err
	}
	audit, err := encode(a.Audit, what+" audit")
	if err != nil {
		return nil, err
	}
	return []any{a.ID, a.JobID, a.BundleID, a.ContentHash, a.Level, string(a.State), stages,
		a.Author, a.ChangeRounds, a.CreatedAt, a.UpdatedAt, ts(a.DueAt), a.Escalated, audit}, nil
}

// CreateApproval inserts a, setting a zero CreatedAt to now and a zero
// UpdatedAt to CreatedAt, on a too. A taken ID is store.ErrConflict.
func (q *queries) CreateApproval(ctx context.Context, a *store.ApprovalRequest) error {
	if a == nil || a.ID == "" {
		return invalid("create approval: nil request or empty id")
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	args, err := approvalArgs(a)
	if err != nil {
		return err
	}
	tag, err := q.exec(ctx, `INSERT INTO approvals (`+approvalColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return classify(err, fmt.Sprintf("create approval %q", a.ID))
	}
	if tag.RowsAffected() == 0 {
		return conflict("create approval %q: id taken", a.ID)
	}
	return nil
}

// GetApproval returns a request with its audit trail.
func (q *queries) GetApproval(ctx context.Context, id string) (*store.ApprovalRequest, error) {
	if id == "" {
		return nil, invalid("get approval: empty id")
	}
	a, err := scanApproval(q.db.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get approval %q", id))
	}
	return a, nil
}

// UpdateApproval locks the request's row, applies fn and stores the
// result with UpdatedAt set to now; fn's error is returned as is.
func (q *queries) UpdateApproval(ctx context.Context, id string, fn func(*store.ApprovalRequest) error) (*store.ApprovalRequest, error) {
	if id == "" || fn == nil {
		return nil, invalid("update approval %q: empty id or nil function", id)
	}
	var out *store.ApprovalRequest
	err := q.atomically(ctx, func(db querier, _ counts) error {
		a, err := scanApproval(db.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return classify(err, fmt.Sprintf("update approval %q", id))
		}
		if err := fn(a); err != nil {
			return fnError{err}
		}
		a.ID, a.UpdatedAt = id, now()
		args, err := approvalArgs(a)
		if err != nil {
			return err
		}
		if _, err := db.Exec(ctx, `UPDATE approvals SET job_id = $2, bundle_id = $3, content_hash = $4,
level = $5, state = $6, stages = $7, author = $8, change_rounds = $9, created_at = $10,
updated_at = $11, due_at = $12, escalated = $13, audit = $14 WHERE id = $1`, args...); err != nil {
			return classify(err, fmt.Sprintf("update approval %q", id))
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}

// ListApprovals returns the requests that match f, newest first (ties by
// ID descending), and how many match in all.
func (q *queries) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.ApprovalRequest, int, error) {
	if f.Limit < 0 || f.Offset < 0 || f.Level < 0 {
		return nil, 0, invalid("list approvals: negative limit %d, offset %d or level %d", f.Limit, f.Offset, f.Level)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	var w where
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Level != 0 {
		w.add("level = ?", f.Level)
	}
	if f.JobID != "" {
		w.add("job_id = ?", f.JobID)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+approvalColumns+` FROM approvals`+w.sql()+
		` ORDER BY created_at DESC, id DESC LIMIT `+w.next(0)+` OFFSET `+w.next(1),
		append(w.args[:len(w.args):len(w.args)], limit, f.Offset)...)
	b.Queue(`SELECT count(*) FROM approvals`+w.sql(), w.args...)
	br := q.db.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, classify(err, "list approvals")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ApprovalRequest, error) {
		a, err := scanApproval(r)
		if err != nil {
			return store.ApprovalRequest{}, err
		}
		return *a, nil
	})
	if err != nil {
		return nil, 0, classify(err, "list approvals")
	}
	var total int
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, classify(err, "count approvals")
	}
	return list, total, nil
}
