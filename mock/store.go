package mock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/halcytone/halcytone/store"
)

// Store is an in-memory store.Store with the semantics of the SQL stores
// (those store/storetest checks): values are deep-copied in and out, so a
// caller that mutates what it passed or got never changes the store; times
// are kept in UTC at microsecond precision; metadata and attributes are
// kept as encoding/json would restore them.
//
// One sync.RWMutex guards the data: reads share it, writes and InTx hold it
// exclusively. InTx rolls back with an undo log: every write inside the
// transaction records how to restore what it replaced, and an error from fn
// (or a panic) replays the log backwards. Every single write runs the same
// way, so a failed write changes nothing. Transactions are serialised, like
// the SQLite store's single writer; as store.Store says, fn must not call
// the Store itself (here it would deadlock), only tx.
//
// The zero value is not usable; call NewStore.
type Store struct {
	mu     sync.RWMutex
	data   *data
	closed bool
}

var _ store.Store = (*Store)(nil)

// NewStore returns an empty in-memory store.
func NewStore() *Store {
	return &Store{data: newData()}
}

// errClosed is returned by every method of a closed Store.
var errClosed = errors.New("mock: store is closed")

// Close makes every later call fail; the data are dropped. It is safe to
// call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.data = newData()
	return nil
}

// InTx runs fn with a transaction that holds the store's write lock: its
// writes are undone when fn returns an error or panics, and fn's error is
// returned as is. tx.Driver() is nil.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	if fn == nil {
		return fmt.Errorf("mock: in tx: nil function: %w", store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	t := &tx{ops: ops{d: s.data, undo: new(undoLog), done: new(atomic.Bool)}}
	defer func() {
		t.done.Store(true)
		if err != nil {
			t.undo.rollback()
		} else if p := recover(); p != nil {
			t.undo.rollback()
			panic(p)
		}
	}()
	return fn(t)
}

// read runs f under the read lock.
func read[T any](ctx context.Context, s *Store, f func(o *ops) (T, error)) (T, error) {
	var zero T
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return zero, errClosed
	}
	return f(&ops{d: s.data})
}

// write runs f under the write lock and undoes its writes if it fails.
func write[T any](ctx context.Context, s *Store, f func(o *ops) (T, error)) (T, error) {
	var zero T
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return zero, errClosed
	}
	o := &ops{d: s.data, undo: new(undoLog)}
	v, err := f(o)
	if err != nil {
		o.undo.rollback()
		return zero, err
	}
	return v, nil
}

// write0 is write for functions without a result.
func write0(ctx context.Context, s *Store, f func(o *ops) error) error {
	_, err := write(ctx, s, func(o *ops) (struct{}, error) { return struct{}{}, f(o) })
	return err
}

// tx is the transaction InTx passes to fn. Its methods are those of ops,
// which refuse to run once InTx has returned (ops.done).
type tx struct {
	ops
}

// Driver returns nil: an in-memory store has no driver transaction.
func (t *tx) Driver() any { return nil }

// undoLog records how to reverse the writes of one transaction.
type undoLog struct{ steps []func() }

// add records a step that reverses the write just made.
func (u *undoLog) add(step func()) {
	if u != nil {
		u.steps = append(u.steps, step)
	}
}

// rollback reverses every recorded write, newest first.
func (u *undoLog) rollback() {
	for i := len(u.steps) - 1; i >= 0; i-- {
		u.steps[i]()
	}
	u.steps = nil
}

// put sets m[k] = v and records how to restore the previous entry.
func put[K comparable, V any](u *undoLog, m map[K]V, k K, v V) {
	old, had := m[k]
	u.add(func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = v
}

// del deletes m[k] and records how to restore it.
func del[K comparable, V any](u *undoLog, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	u.add(func() { m[k] = old })
	delete(m, k)
}
