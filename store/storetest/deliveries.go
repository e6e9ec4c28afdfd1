package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testDeliveries(t *testing.T, open opener) {
	t.Run("CreateGetConflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		d := &store.Delivery{
			IdempotencyKey: "h1:email:crm:main", JobID: "job-1", Channel: "email", Platform: "crm", Account: "main",
			Status: store.DeliveryPending, CreatedAt: at(0).Add(3 * time.Microsecond).In(elsewhere), UpdatedAt: at(0).In(elsewhere),
		}
		want := *d
		want.CreatedAt, want.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
		require.NoError(t, s.CreateDelivery(ctx, d))
		got, err := s.GetDelivery(ctx, d.IdempotencyKey)
		require.NoError(t, err)
		require.Equal(t, &want, got)

		dup := *d
		dup.JobID, dup.Status = "job-2", store.DeliverySent
		require.ErrorIs(t, s.CreateDelivery(ctx, &dup), store.ErrConflict)
		again, err := s.GetDelivery(ctx, d.IdempotencyKey)
		require.NoError(t, err)
		require.Equal(t, &want, again, "a conflicting insert changes nothing")
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: "k", JobID: "job-1", Channel: "email", Status: store.DeliveryPending, CreatedAt: at(0)}))
		got, err := s.UpdateDelivery(ctx, "k", func(d *store.Delivery) error {
			d.Attempts++
			d.LastError = "timeout"
			d.Checkpoint = "batch:3"
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, 1, got.Attempts)
		before := time.Now()
		got, err = s.UpdateDelivery(ctx, "k", func(d *store.Delivery) error {
			d.Attempts++
			d.Status = store.DeliverySent
			d.LastError = ""
			d.Checkpoint = "batch:7"
			d.Receipt = &store.Receipt{ExternalID: "cmp_9", URL: "https://crm.example/c/9", Status: "queued", Sent: 700, At: at(3)}
			return nil
		})
		require.NoError(t, err)
		requireBetween(t, got.UpdatedAt, before, time.Now(), "UpdatedAt")
		stored, err := s.GetDelivery(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, got, stored)
		require.Equal(t, 2, stored.Attempts)
		require.Equal(t, store.DeliverySent, stored.Status)
		require.Empty(t, stored.LastError)
		require.Equal(t, "batch:7", stored.Checkpoint)
		require.Equal(t, &store.Receipt{ExternalID: "cmp_9", URL: "https://crm.example/c/9", Status: "queued", Sent: 700, At: at(3)}, stored.Receipt)
		require.Equal(t, at(0), stored.CreatedAt)

		stop := errors.New("stop")
		_, err = s.UpdateDelivery(ctx, "k", func(d *store.Delivery) error {
			d.Receipt.ExternalID = "changed"
			d.Status = store.DeliveryUnknown
			return stop
		})
		require.ErrorIs(t, err, stop)
		after, err := s.GetDelivery(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, stored, after)
	})

	t.Run("ListByJob", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, d := range []*store.Delivery{
			{IdempotencyKey: "k3", JobID: "job-1", Channel: "website", Status: store.DeliverySent, CreatedAt: at(3)},
			{IdempotencyKey: "k1", JobID: "job-1", Channel: "email", Status: store.DeliveryPending, CreatedAt: at(1)},
			{IdempotencyKey: "k9", JobID: "job-2", Channel: "email", Status: store.DeliveryPending, CreatedAt: at(2)},
			{IdempotencyKey: "k2", JobID: "job-1", Channel: "social_x", Status: store.DeliveryFailed, CreatedAt: at(3)},
		} {
			require.NoError(t, s.CreateDelivery(ctx, d))
		}
		list, err := s.ListDeliveries(ctx, "job-1")
		require.NoError(t, err)
		keys := []string{}
		for _, d := range list {
			keys = append(keys, d.IdempotencyKey)
		}
		require.Equal(t, []string{"k1", "k2", "k3"}, keys, "creation order, ties by key")
		none, err := s.ListDeliveries(ctx, "job-9")
		require.NoError(t, err)
		require.Empty(t, none)
	})
}
