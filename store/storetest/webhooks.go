package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testWebhooks(t *testing.T, open opener) {
	t.Run("CRUDAndListByEvent", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		hooks := []*store.Webhook{
			{ID: "w1", URL: "https://a.example/h", Events: []string{"job.created", "job.completed"}, Secret: "whsec_a", CreatedAt: at(1).In(elsewhere)},
			{ID: "w2", URL: "https://b.example/h", Events: []string{"job.completed"}, Secret: "whsec_b", Disabled: true, CreatedAt: at(2)},
			{ID: "w0", URL: "https://c.example/h", Events: []string{"approval.decided", "job.completed"}, Secret: "whsec_c", CreatedAt: at(3)},
			{ID: "w3", URL: "https://d.example/h", Events: []string{}, Secret: "whsec_d", CreatedAt: at(3)},
		}
		for _, w := range hooks {
			require.NoError(t, s.CreateWebhook(ctx, w))
		}
		require.ErrorIs(t, s.CreateWebhook(ctx, &store.Webhook{ID: "w1", URL: "https://x.example"}), store.ErrConflict)

		got, err := s.GetWebhook(ctx, "w1")
		require.NoError(t, err)
		want := *hooks[0]
		want.CreatedAt = want.CreatedAt.UTC()
		require.Equal(t, &want, got)

		ids := func(event string) []string {
			list, err := s.ListWebhooks(ctx, event)
			require.NoError(t, err)
			out := []string{}
			for _, w := range list {
				out = append(out, w.ID)
			}
			return out
		}
		require.Equal(t, []string{"w1", "w2", "w0", "w3"}, ids(""), "all, oldest first, disabled included")
		require.Equal(t, []string{"w1", "w0"}, ids("job.completed"), "enabled and subscribed only")
		require.Equal(t, []string{"w1"}, ids("job.created"))
		require.Equal(t, []string{}, ids("job"), "exact event names")

		got, err = s.UpdateWebhook(ctx, "w2", func(w *store.Webhook) error {
			w.Disabled = false
			w.Events = append(w.Events, "job.created")
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, []string{"job.completed", "job.created"}, got.Events)
		require.Equal(t, []string{"w1", "w2"}, ids("job.created"))

		stop := errors.New("stop")
		_, err = s.UpdateWebhook(ctx, "w2", func(w *store.Webhook) error { w.Disabled = true; return stop })
		require.ErrorIs(t, err, stop)
		stored, err := s.GetWebhook(ctx, "w2")
		require.NoError(t, err)
		require.Equal(t, got, stored)

		require.NoError(t, s.DeleteWebhook(ctx, "w2"))
		_, err = s.GetWebhook(ctx, "w2")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.DeleteWebhook(ctx, "w2"), store.ErrNotFound)
		require.Equal(t, []string{"w1", "w0", "w3"}, ids(""))
	})

	t.Run("Deliveries", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, id := range []string{"w1", "w2"} {
			require.NoError(t, s.CreateWebhook(ctx, &store.Webhook{ID: id, URL: "https://a.example/" + id, Events: []string{"job.created"}, CreatedAt: at(0)}))
		}
		for i, id := range []string{"msg_3", "msg_1", "msg_2", "msg_0"} {
			d := &store.WebhookDelivery{
				ID: id, WebhookID: "w1", Event: "job.created", Payload: []byte(fmt.Sprintf(`{"n":%d}`, i)),
				Status: "pending", CreatedAt: at(min(i, 2)), UpdatedAt: at(min(i, 2)),
			}
			require.NoError(t, s.CreateWebhookDelivery(ctx, d))
		}
		other := &store.WebhookDelivery{ID: "msg_9", WebhookID: "w2", Event: "job.created", Payload: []byte(`{}`), Status: "pending", CreatedAt: at(9).In(elsewhere)}
		require.NoError(t, s.CreateWebhookDelivery(ctx, other))
		require.Equal(t, other.CreatedAt, other.UpdatedAt, "a zero UpdatedAt becomes CreatedAt")
		require.ErrorIs(t, s.CreateWebhookDelivery(ctx, &store.WebhookDelivery{ID: "msg_1", WebhookID: "w2", Event: "x", Status: "pending"}), store.ErrConflict)
		require.ErrorIs(t, s.CreateWebhookDelivery(ctx, &store.WebhookDelivery{ID: "msg_x", WebhookID: "w9", Event: "x", Status: "pending"}), store.ErrNotFound,
			"an unknown endpoint")

		list, err := s.ListWebhookDeliveries(ctx, "w1", 10)
		require.NoError(t, err)
		ids := []string{}
		for _, d := range list {
			ids = append(ids, d.ID)
		}
		require.Equal(t, []string{"msg_2", "msg_0", "msg_1", "msg_3"}, ids, "newest first, ties by ID desc")
		require.Equal(t, []byte(`{"n":2}`), list[0].Payload)

		two, err := s.ListWebhookDeliveries(ctx, "w1", 2)
		require.NoError(t, err)
		require.Equal(t, list[:2], two)

		before := time.Now()
		got, err := s.UpdateWebhookDelivery(ctx, "msg_1", func(d *store.WebhookDelivery) error {
			d.Attempts, d.Status, d.ResponseCode, d.LastError = 3, "failed", 503, "service unavailable"
			return nil
		})
		require.NoError(t, err)
		requireBetween(t, got.UpdatedAt, before, time.Now(), "UpdatedAt")
		require.Equal(t, at(1), got.CreatedAt)
		read, err := s.GetWebhookDelivery(ctx, "msg_1")
		require.NoError(t, err)
		require.Equal(t, got, read, "GetWebhookDelivery returns what was stored")
		require.Equal(t, []byte(`{"n":1}`), got.Payload)
		stop := errors.New("stop")
		_, err = s.UpdateWebhookDelivery(ctx, "msg_1", func(d *store.WebhookDelivery) error { d.Status = "delivered"; return stop })
		require.ErrorIs(t, err, stop)
		list, err = s.ListWebhookDeliveries(ctx, "w1", 10)
		require.NoError(t, err)
		require.Equal(t, *got, list[2])

		require.NoError(t, s.DeleteWebhook(ctx, "w1"))
		list, err = s.ListWebhookDeliveries(ctx, "w1", 10)
		require.NoError(t, err)
		require.Empty(t, list, "deleting an endpoint deletes its deliveries")
		_, err = s.UpdateWebhookDelivery(ctx, "msg_1", func(*store.WebhookDelivery) error { return nil })
		require.ErrorIs(t, err, store.ErrNotFound)
		rest, err := s.ListWebhookDeliveries(ctx, "w2", 10)
		require.NoError(t, err)
		require.Len(t, rest, 1)
		require.Equal(t, at(9), rest[0].CreatedAt)
	})
}
