package halcytone

import (
	"context"
	"sync/atomic"

	"github.com/halcytone/halcytone/store"
)

// JobsVersion changes after every write of a job through the engine (its
// own and those made through Engine.Store) has committed: a cache of job
// reads taken at version v is current while JobsVersion still returns v.
// Writes by other processes (another instance on the same PostgreSQL) do
// not change it; such a cache must also expire.
func (e *Engine) JobsVersion() uint64 { return e.jobsVersion.Load() }

// versionedStore is the engine's Store: it bumps version after every job
// write, once the write has committed (or failed: a bump too many costs a
// cache miss, one too few a stale answer).
type versionedStore struct {
	store.Store
	version *atomic.Uint64
}

func (s versionedStore) CreateJob(ctx context.Context, j *store.Job) error {
	defer s.version.Add(1)
	return s.Store.CreateJob(ctx, j)
}

func (s versionedStore) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	defer s.version.Add(1)
	return s.Store.UpdateJob(ctx, id, fn)
}

// InTx bumps the version after the transaction when fn wrote a job.
func (s versionedStore) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	var wrote atomic.Bool
	defer func() {
		if wrote.Load() {
			s.version.Add(1)
		}
	}()
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		return fn(versionedTx{Tx: tx, wrote: &wrote})
	})
}

// versionedTx records that a transaction wrote a job.
type versionedTx struct {
	store.Tx
	wrote *atomic.Bool
}

func (t versionedTx) CreateJob(ctx context.Context, j *store.Job) error {
	t.wrote.Store(true)
	return t.Tx.CreateJob(ctx, j)
}

func (t versionedTx) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	t.wrote.Store(true)
	return t.Tx.UpdateJob(ctx, id, fn)
}
