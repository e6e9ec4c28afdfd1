package halcytone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/store"
)

// DeliveryCheckpoints keeps publishers' progress in the store, in the
// Checkpoint field of the delivery with the same idempotency key, so that
// a send interrupted by a crash resumes where it stopped instead of
// starting again: it is the email.Checkpoint of CRM and SMTP publishers and
// the social.KeyStore of social publishers used with an Engine.
//
// Progress of a key that has no delivery (a publisher used outside the
// Engine) is refused with an error wrapping store.ErrNotFound on save and
// reads as none on load.
type DeliveryCheckpoints struct {
	Store store.Queries
}

var (
	_ email.Checkpoint = DeliveryCheckpoints{}
	_ social.KeyStore  = DeliveryCheckpoints{}
)

// Load returns the checkpoint saved under the delivery key, or "".
func (c DeliveryCheckpoints) Load(ctx context.Context, key string) (string, error) {
	d, err := c.Store.GetDelivery(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return d.Checkpoint, nil
}

// Save records cursor as the delivery's checkpoint.
func (c DeliveryCheckpoints) Save(ctx context.Context, key, cursor string) error {
	_, err := c.Store.UpdateDelivery(ctx, key, func(d *store.Delivery) error {
		d.Checkpoint = cursor
		return nil
	})
	if err != nil {
		return fmt.Errorf("halcytone: save checkpoint of delivery %s: %w", key, err)
	}
	return nil
}

// Get returns the social journal record saved under the delivery key.
func (c DeliveryCheckpoints) Get(ctx context.Context, key string) (social.Record, bool, error) {
	s, err := c.Load(ctx, key)
	if err != nil || s == "" {
		return social.Record{}, false, err
	}
	var r social.Record
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return social.Record{}, false, fmt.Errorf("halcytone: checkpoint of delivery %s is not a social record: %w", key, err)
	}
	return r, true, nil
}

// Put records r as the delivery's checkpoint.
func (c DeliveryCheckpoints) Put(ctx context.Context, key string, r social.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("halcytone: encode checkpoint of delivery %s: %w", key, err)
	}
	return c.Save(ctx, key, string(b))
}
