package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testEvents(t *testing.T, open opener) {
	t.Run("RecordAndList", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		events := []*store.Event{
			{Type: "request", Status: "200", Duration: 1500 * time.Microsecond, At: at(3), Attrs: map[string]any{"path": "/api/v2/jobs", "bytes": 512.0}},
			{Type: "delivery", JobID: "job-1", Channel: "email", Status: "sent", Duration: 2 * time.Second, At: at(1).In(elsewhere)},
			{Type: "request", Status: "404", At: at(1), Attrs: map[string]any{}},
			{Type: "request", Status: "500", At: at(5)},
		}
		var last int64
		for _, e := range events {
			require.NoError(t, s.RecordEvent(ctx, e))
			require.Greater(t, e.ID, last, "IDs increase")
			last = e.ID
		}
		want := func(i int) store.Event {
			e := *events[i]
			e.At = e.At.UTC()
			return e
		}

		tests := []struct {
			name string
			f    store.EventFilter
			want []store.Event
		}{
			{"all, oldest first, ties by ID", store.EventFilter{}, []store.Event{want(1), want(2), want(0), want(3)}},
			{"type", store.EventFilter{Type: "request"}, []store.Event{want(2), want(0), want(3)}},
			{"window [Start, End)", store.EventFilter{Start: at(1), End: at(5)}, []store.Event{want(1), want(2), want(0)}},
			{"start only", store.EventFilter{Start: at(2).In(elsewhere)}, []store.Event{want(0), want(3)}},
			{"limit keeps the oldest", store.EventFilter{Type: "request", Limit: 2}, []store.Event{want(2), want(0)}},
			{"unknown type", store.EventFilter{Type: "nothing"}, []store.Event{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListEvents(ctx, tt.f)
				require.NoError(t, err)
				if len(tt.want) == 0 {
					require.Empty(t, got)
					return
				}
				require.Equal(t, tt.want, got)
			})
		}
		_, err := s.ListEvents(ctx, store.EventFilter{Limit: -1})
		require.ErrorIs(t, err, store.ErrInvalid)
	})

	t.Run("ZeroAtIsNow", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		e := &store.Event{Type: "request"}
		before := time.Now()
		require.NoError(t, s.RecordEvent(ctx, e))
		requireBetween(t, e.At, before, time.Now(), "At")
		got, err := s.ListEvents(ctx, store.EventFilter{})
		require.NoError(t, err)
		require.Equal(t, []store.Event{*e}, got)
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := range 1005 {
				if err := tx.RecordEvent(ctx, &store.Event{Type: "request", At: base.Add(time.Duration(i) * time.Second)}); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		got, err := s.ListEvents(ctx, store.EventFilter{})
		require.NoError(t, err)
		require.Len(t, got, 1000, "Limit 0 means 1,000")
		require.Equal(t, base, got[0].At)
	})

	t.Run("Invalid", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.ErrorIs(t, s.RecordEvent(ctx, nil), store.ErrInvalid)
		require.ErrorIs(t, s.RecordEvent(ctx, &store.Event{At: at(0)}), store.ErrInvalid, "an empty type")
		require.ErrorIs(t, s.RecordEvent(ctx, &store.Event{Type: "x", Attrs: map[string]any{"ch": make(chan int)}}), store.ErrInvalid)
		got, err := s.ListEvents(ctx, store.EventFilter{})
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
