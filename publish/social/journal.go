package social

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// found is a post found on the platform by its text.
type found struct {
	id, url string
}

// journal runs the journalled publish and lookup of a one-post delivery
// (LinkedIn, Facebook, Instagram); X journals thread parts itself.
type journal struct {
	keys  KeyStore
	locks keyLocks
	now   func() time.Time
}

// sendFunc posts rec (whose Container it may set and journal through
// save) and returns the post's id and URL.
type sendFunc func(ctx context.Context, rec *Record, save func() error) (id, url string, err error)

// searchFunc looks for a recent post with text; ok is false when none.
type searchFunc func(ctx context.Context, text string) (f found, ok bool, err error)

// publish posts text under key once: a completed key returns its first
// receipt; a key whose last send had an unknown outcome is searched for
// on the platform before anything is sent again.
func (j *journal) publish(ctx context.Context, op, key, text string, send sendFunc, search searchFunc) (publish.Receipt, error) {
	if err := ctxErr(op, ctx); err != nil {
		return publish.Receipt{}, err
	}
	unlock, err := j.locks.lock(ctx, key)
	if err != nil {
		return publish.Receipt{}, ctxErr(op, ctx)
	}
	defer unlock()
	rec, ok, err := j.keys.Get(ctx, key)
	if err != nil {
		return publish.Receipt{}, journalErr(op, err)
	}
	if ok && rec.Done {
		return receiptOf(rec), nil
	}
	if !ok {
		rec = Record{Texts: []string{text}}
	}
	if rec.Unsure {
		if rec, err = j.reconcile(ctx, op, key, rec, search); err != nil {
			return publish.Receipt{}, err
		}
		if rec.Done {
			return receiptOf(rec), nil
		}
	}
	rec.Unsure = true
	if err := j.put(ctx, op, key, rec); err != nil {
		return publish.Receipt{}, err
	}
	id, url, err := send(ctx, &rec, func() error { return j.put(context.WithoutCancel(ctx), op, key, rec) })
	if err != nil {
		if content.ClassOf(err) != content.OutcomeUnknown {
			rec.Unsure = false
			// Best effort: if this write fails the record stays Unsure, and the
			// next attempt looks the post up before sending: safe, only slower.
			_ = j.keys.Put(context.WithoutCancel(ctx), key, rec)
		}
		return publish.Receipt{}, err
	}
	rec = Record{Texts: rec.Texts, IDs: []string{id}, URL: url, Done: true, At: j.now()}
	if err := j.put(context.WithoutCancel(ctx), op, key, rec); err != nil {
		return publish.Receipt{}, err
	}
	return receiptOf(rec), nil
}

// lookup answers from the journal, and for a delivery whose outcome is
// unknown, searches the platform.
func (j *journal) lookup(ctx context.Context, op, key string, search searchFunc) (publish.Receipt, bool, error) {
	unlock, err := j.locks.lock(ctx, key)
	if err != nil {
		return publish.Receipt{}, false, ctxErr(op, ctx)
	}
	defer unlock()
	rec, ok, err := j.keys.Get(ctx, key)
	if err != nil {
		return publish.Receipt{}, false, journalErr(op, err)
	}
	if !ok {
		return publish.Receipt{}, false, nil
	}
	if !rec.Done && rec.Unsure {
		if rec, err = j.reconcile(ctx, op, key, rec, search); err != nil {
			return publish.Receipt{}, false, err
		}
	}
	if !rec.Done {
		return publish.Receipt{}, false, nil
	}
	return receiptOf(rec), true, nil
}

// reconcile searches for rec's text and journals what it learns.
func (j *journal) reconcile(ctx context.Context, op, key string, rec Record, search searchFunc) (Record, error) {
	f, ok, err := search(ctx, rec.Texts[0])
	if err != nil {
		return rec, err
	}
	if ok {
		rec = Record{Texts: rec.Texts, IDs: []string{f.id}, URL: f.url, Done: true, At: j.now()}
	} else {
		rec.Unsure = false
	}
	return rec, j.put(context.WithoutCancel(ctx), op, key, rec)
}

func (j *journal) put(ctx context.Context, op, key string, rec Record) error {
	if err := j.keys.Put(ctx, key, rec); err != nil {
		return journalErr(op, err)
	}
	return nil
}

func journalErr(op string, err error) error {
	return &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("journal: %w", err)}
}

// expired fails with AuthExpired when at is set and not after now.
func expired(op string, at, now time.Time) error {
	if !at.IsZero() && !now.Before(at) {
		return &content.Error{Class: content.AuthExpired, Op: op, Err: fmt.Errorf("token expired at %s", at.Format(time.RFC3339))}
	}
	return nil
}
