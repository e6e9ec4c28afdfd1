package sqlite_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

type publishArgs struct {
	JobID string `json:"job_id"`
}

func (publishArgs) Kind() string { return "publish" }

// River runs its migrations on Store.DB and enqueues with InsertTx in the
// store's transaction: the job row and its queue entry commit or roll back
// together.
func TestRiverSharesTheWriter(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	driver := riversqlite.New(s.DB())
	migrator, err := rivermigrate.New(driver, nil)
	require.NoError(t, err)
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	require.NoError(t, err)
	client, err := river.NewClient(driver, &river.Config{})
	require.NoError(t, err)

	enqueue := func(id string, fail bool) error {
		return s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.CreateJob(ctx, &store.Job{ID: id, DocumentID: "d", Status: store.JobScheduled}); err != nil {
				return err
			}
			if _, err := client.InsertTx(ctx, tx.Driver().(*sql.Tx), publishArgs{JobID: id}, nil); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
	}
	require.NoError(t, enqueue("kept", false))
	require.Error(t, enqueue("dropped", true))

	_, err = s.GetJob(ctx, "dropped")
	require.ErrorIs(t, err, store.ErrNotFound)
	var queued int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'publish'").Scan(&queued))
	require.Equal(t, 1, queued, "only the committed job is queued")
}
