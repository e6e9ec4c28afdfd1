package schedule_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// TestQueueOnSQLiteStore enqueues through the SQLite store's own
// transactions (store/sqlite's Tx.Driver): the entry commits or rolls back
// with them.
func TestQueueOnSQLiteStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "halcytone.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	q, err := schedule.NewSQLite(ctx, st.DB(), schedule.Config{})
	require.NoError(t, err)

	errAbort := errors.New("abort")
	for _, commit := range []bool{false, true} {
		id := map[bool]string{false: "job-rolled-back", true: "job-committed"}[commit]
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := q.Enqueue(ctx, tx, schedule.Job{JobID: id, DeliveryKey: "k-" + id}); err != nil {
				return err
			}
			if !commit {
				return errAbort
			}
			return nil
		})
		es, lerr := q.Entries(ctx, id)
		require.NoError(t, lerr)
		if commit {
			require.NoError(t, err)
			assert.Len(t, es, 1)
		} else {
			require.ErrorIs(t, err, errAbort)
			assert.Empty(t, es)
		}
	}
}
