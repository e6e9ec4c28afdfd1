package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// keyed is one getter, updater or delete of a record keyed by a string.
type keyed struct {
	name string
	call func(ctx context.Context, s store.Queries, key string) error
}

func keyedCalls() []keyed {
	ignore := func(_ any, err error) error { return err }
	return []keyed{
		{"LatestDocument", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.LatestDocument(ctx, k)) }},
		{"GetBundle", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetBundle(ctx, k)) }},
		{"GetJob", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetJob(ctx, k)) }},
		{"JobByIdempotencyKey", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.JobByIdempotencyKey(ctx, k))
		}},
		{"UpdateJob", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateJob(ctx, k, func(*store.Job) error { return nil }))
		}},
		{"GetApproval", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetApproval(ctx, k)) }},
		{"UpdateApproval", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateApproval(ctx, k, func(*store.ApprovalRequest) error { return nil }))
		}},
		{"GetDelivery", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetDelivery(ctx, k)) }},
		{"UpdateDelivery", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateDelivery(ctx, k, func(*store.Delivery) error { return nil }))
		}},
		{"APIKeyByHash", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.APIKeyByHash(ctx, k)) }},
		{"RevokeAPIKey", func(ctx context.Context, s store.Queries, k string) error { return s.RevokeAPIKey(ctx, k) }},
		{"GetSchedule", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetSchedule(ctx, k)) }},
		{"UpdateSchedule", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateSchedule(ctx, k, func(*store.Schedule) error { return nil }))
		}},
		{"DeleteSchedule", func(ctx context.Context, s store.Queries, k string) error { return s.DeleteSchedule(ctx, k) }},
		{"GetWebhook", func(ctx context.Context, s store.Queries, k string) error { return ignore(s.GetWebhook(ctx, k)) }},
		{"UpdateWebhook", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateWebhook(ctx, k, func(*store.Webhook) error { return nil }))
		}},
		{"DeleteWebhook", func(ctx context.Context, s store.Queries, k string) error { return s.DeleteWebhook(ctx, k) }},
		{"GetWebhookDelivery", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.GetWebhookDelivery(ctx, k))
		}},
		{"UpdateWebhookDelivery", func(ctx context.Context, s store.Queries, k string) error {
			return ignore(s.UpdateWebhookDelivery(ctx, k, func(*store.WebhookDelivery) error { return nil }))
		}},
	}
}

// creates are the inserts, each given a nil record and a record with an
// empty key.
func creates() []struct {
	name             string
	nilRecord, noKey func(ctx context.Context, s store.Queries) error
} {
	type c = struct {
		name             string
		nilRecord, noKey func(ctx context.Context, s store.Queries) error
	}
	return []c{
		{"CreateJob",
			func(ctx context.Context, s store.Queries) error { return s.CreateJob(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateJob(ctx, job("", 0, store.JobPending))
			}},
		{"CreateApproval",
			func(ctx context.Context, s store.Queries) error { return s.CreateApproval(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateApproval(ctx, approval("", "job-1", 0, 1, store.ApprovalPending))
			}},
		{"CreateDelivery",
			func(ctx context.Context, s store.Queries) error { return s.CreateDelivery(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateDelivery(ctx, &store.Delivery{JobID: "job-1", Channel: "email", Status: store.DeliveryPending})
			}},
		{"CreateAPIKey",
			func(ctx context.Context, s store.Queries) error { return s.CreateAPIKey(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateAPIKey(ctx, &store.APIKey{Name: "ci", Hash: "aa"})
			}},
		{"CreateAPIKeyWithoutHash",
			func(ctx context.Context, s store.Queries) error { return s.CreateAPIKey(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateAPIKey(ctx, &store.APIKey{ID: "k1", Name: "ci"})
			}},
		{"CreateSchedule",
			func(ctx context.Context, s store.Queries) error { return s.CreateSchedule(ctx, nil) },
			func(ctx context.Context, s store.Queries) error { return s.CreateSchedule(ctx, schedule("", 0)) }},
		{"CreateWebhook",
			func(ctx context.Context, s store.Queries) error { return s.CreateWebhook(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateWebhook(ctx, &store.Webhook{URL: "https://a.example"})
			}},
		{"CreateWebhookDelivery",
			func(ctx context.Context, s store.Queries) error { return s.CreateWebhookDelivery(ctx, nil) },
			func(ctx context.Context, s store.Queries) error {
				return s.CreateWebhookDelivery(ctx, &store.WebhookDelivery{WebhookID: "w1", Event: "x", Status: "pending"})
			}},
	}
}

func testErrors(t *testing.T, open opener) {
	t.Run("MissingIsNotFound", func(t *testing.T) {
		s := open(t)
		for _, c := range keyedCalls() {
			require.ErrorIsf(t, c.call(t.Context(), s, "missing"), store.ErrNotFound, "%s of a missing record", c.name)
		}
	})

	t.Run("EmptyKeyIsInvalid", func(t *testing.T) {
		s := open(t)
		for _, c := range keyedCalls() {
			require.ErrorIsf(t, c.call(t.Context(), s, ""), store.ErrInvalid, "%s with an empty key", c.name)
		}
		ctx := t.Context()
		_, err := s.ListDeliveries(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid, "ListDeliveries")
		_, err = s.ListWebhookDeliveries(ctx, "", 10)
		require.ErrorIs(t, err, store.ErrInvalid, "ListWebhookDeliveries")
		_, err = s.ListWebhookDeliveries(ctx, "w1", -1)
		require.ErrorIs(t, err, store.ErrInvalid, "ListWebhookDeliveries with a negative limit")
	})

	t.Run("InsideTx", func(t *testing.T) {
		s := open(t)
		err := s.InTx(t.Context(), func(tx store.Tx) error {
			for _, c := range keyedCalls() {
				require.ErrorIsf(t, c.call(t.Context(), tx, "missing"), store.ErrNotFound, "%s of a missing record", c.name)
			}
			return nil
		})
		require.NoError(t, err)
	})

	t.Run("RefusedInserts", func(t *testing.T) {
		s := open(t)
		require.NoError(t, s.CreateWebhook(t.Context(), &store.Webhook{ID: "w1", URL: "https://a.example", CreatedAt: at(0)}))
		for _, c := range creates() {
			require.ErrorIsf(t, c.nilRecord(t.Context(), s), store.ErrInvalid, "%s of nil", c.name)
			require.ErrorIsf(t, c.noKey(t.Context(), s), store.ErrInvalid, "%s without a key", c.name)
		}
		page, err := s.ListJobs(t.Context(), store.JobFilter{})
		require.NoError(t, err)
		require.Zero(t, page.Total)
		keys, err := s.ListAPIKeys(t.Context())
		require.NoError(t, err)
		require.Empty(t, keys)
		hooks, err := s.ListWebhooks(t.Context(), "")
		require.NoError(t, err)
		require.Len(t, hooks, 1)
	})

	t.Run("NilUpdateFunction", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("job-1", 0, store.JobPending)))
		_, err := s.UpdateJob(ctx, "job-1", nil)
		require.ErrorIs(t, err, store.ErrInvalid)
	})
}

// testText checks that every store refuses text PostgreSQL cannot keep
// (invalid UTF-8, NUL) as ErrInvalid, in jobs, deliveries, approvals and
// events alike, and keeps what it refused out.
func testText(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	for _, tc := range []struct{ name, id, bad string }{{"NUL", "nul", "a\x00b"}, {"invalid UTF-8", "utf8", "a\xffb"}} {
		bad, id := tc.bad, func(s string) string { return s + "-" + tc.id }
		t.Run(tc.name, func(t *testing.T) {
			for field, j := range map[string]*store.Job{
				"metadata":       {ID: id("j-meta"), DocumentID: "d", Status: store.JobPending, Metadata: map[string]any{"note": bad}},
				"correlation_id": {ID: id("j-corr"), DocumentID: "d", Status: store.JobPending, CorrelationID: bad},
				"errors":         {ID: id("j-errs"), DocumentID: "d", Status: store.JobPending, Errors: []string{bad}},
			} {
				require.ErrorIsf(t, s.CreateJob(ctx, j), store.ErrInvalid, "job %s", field)
				_, err := s.GetJob(ctx, j.ID)
				require.ErrorIsf(t, err, store.ErrNotFound, "job %s kept", field)
			}
			require.NoError(t, s.CreateJob(ctx, &store.Job{ID: id("j-ok"), DocumentID: "d", Status: store.JobPending}))
			_, err := s.UpdateJob(ctx, id("j-ok"), func(j *store.Job) error { j.Metadata = map[string]any{bad: 1.0}; return nil })
			require.ErrorIs(t, err, store.ErrInvalid, "a metadata key")

			require.ErrorIs(t, s.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: id("k-bad"), JobID: id("j-ok"), Channel: "email",
				Status: store.DeliveryPending, LastError: bad}), store.ErrInvalid)
			require.NoError(t, s.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: id("k-ok"), JobID: id("j-ok"), Channel: "email", Status: store.DeliveryPending}))
			_, err = s.UpdateDelivery(ctx, id("k-ok"), func(d *store.Delivery) error { d.Checkpoint = bad; return nil })
			require.ErrorIs(t, err, store.ErrInvalid, "a checkpoint")

			require.ErrorIs(t, s.CreateApproval(ctx, &store.ApprovalRequest{ID: id("a-bad"), JobID: id("j-ok"), ContentHash: "h", Level: 1,
				State: store.ApprovalPending, Audit: []store.AuditEntry{{Actor: "erin", Action: "comment", Comment: bad}}}), store.ErrInvalid)
			require.ErrorIs(t, s.RecordEvent(ctx, &store.Event{Type: "x", Attrs: map[string]any{"n": bad}}), store.ErrInvalid)

		})
	}
}
