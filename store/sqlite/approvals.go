package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/halcytone/halcytone/store"
)

const approvalColumns = `id, job_id, bundle_id, content_hash, level, state, stages, author, change_rounds,
	created_at, updated_at, due_at, escalated, audit`

func approvalArgs(a *store.ApprovalRequest) ([]any, error) {
	if err := store.CheckText(a); err != nil {
		return nil, fmt.Errorf("approval %q: %w", a.ID, err)
	}
	c := jsonCodec{kind: "approval", id: a.ID}
	args := []any{a.ID, a.JobID, a.BundleID, a.ContentHash, a.Level, string(a.State),
		c.enc(a.Stages, "stages"), a.Author, a.ChangeRounds, a.CreatedAt.UnixMicro(),
		a.UpdatedAt.UnixMicro(), micros(a.DueAt), boolInt(a.Escalated), c.enc(a.Audit, "audit")}
	return args, c.err
}

func scanApproval(sc scanner) (*store.ApprovalRequest, error) {
	var (
		a                     store.ApprovalRequest
		state                 string
		stages, audit         sql.NullString
		created, updated, due sql.NullInt64
		escalated             int
	)
	if err := sc.Scan(&a.ID, &a.JobID, &a.BundleID, &a.ContentHash, &a.Level, &state, &stages, &a.Author,
		&a.ChangeRounds, &created, &updated, &due, &escalated, &audit); err != nil {
		return nil, err
	}
	a.State = store.ApprovalState(state)
	a.CreatedAt, a.UpdatedAt, a.DueAt = fromMicros(created), fromMicros(updated), fromMicros(due)
	a.Escalated = escalated != 0
	c := jsonCodec{kind: "approval", id: a.ID}
	c.dec(stages, &a.Stages, "stages")
	c.dec(audit, &a.Audit, "audit")
	return &a, c.err
}

func normApproval(a *store.ApprovalRequest) {
	a.CreatedAt, a.UpdatedAt, a.DueAt = norm(a.CreatedAt), norm(a.UpdatedAt), norm(a.DueAt)
}

// CreateApproval inserts a request; a taken ID is ErrConflict.
func (q *queries) CreateApproval(ctx context.Context, a *store.ApprovalRequest) error {
	if a == nil || a.ID == "" {
		return invalid("create approval: empty id")
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = q.now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	normApproval(a)
	args, err := approvalArgs(a)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO approvals (`+approvalColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return classify(err, fmt.Sprintf("create approval %q", a.ID))
}

// GetApproval returns a request with its audit trail.
func (q *queries) GetApproval(ctx context.Context, id string) (*store.ApprovalRequest, error) {
	if id == "" {
		return nil, invalid("get approval: empty id")
	}
	a, err := scanApproval(q.queryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get approval %q", id))
	}
	return a, nil
}

// UpdateApproval applies fn to the stored request and stores the result
// with UpdatedAt set to now. It must run in a transaction.
func (q *queries) UpdateApproval(ctx context.Context, id string, fn func(*store.ApprovalRequest) error) (*store.ApprovalRequest, error) {
	if fn == nil {
		return nil, invalid("update approval %q: nil update function", id)
	}
	a, err := q.GetApproval(ctx, id)
	if err != nil {
		return nil, err
	}
	prev := a.UpdatedAt
	if err := fn(a); err != nil {
		return nil, err
	}
	a.ID = id
	a.UpdatedAt = advance(prev, q.now())
	normApproval(a)
	args, err := approvalArgs(a)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE approvals SET (`+approvalColumns+`) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`, append(args, id)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update approval %q", id))
	}
	return a, nil
}

// ListApprovals returns the requests matching f, newest first (ties by ID
// descending), and how many match.
func (q *queries) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.ApprovalRequest, int, error) {
	limit, err := checkLimit(f.Limit, 100, 0, "list approvals")
	if err != nil {
		return nil, 0, err
	}
	if f.Offset < 0 {
		return nil, 0, invalid("list approvals: negative offset %d", f.Offset)
	}
	w := &jobWhere{}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Level != 0 {
		w.add("level = ?", f.Level)
	}
	if f.JobID != "" {
		w.add("job_id = ?", f.JobID)
	}
	rows, err := q.query(ctx, `SELECT `+approvalColumns+` FROM approvals`+w.sql()+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(w.args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, classify(err, "list approvals")
	}
	defer rows.Close()
	out := []store.ApprovalRequest{}
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, 0, classify(err, "list approvals")
		}
		out = append(out, *a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify(err, "list approvals")
	}
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM approvals`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, classify(err, "count approvals")
	}
	return out, total, nil
}
