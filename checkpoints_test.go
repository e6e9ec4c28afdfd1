package halcytone_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/store"
)

func TestDeliveryCheckpoints(t *testing.T) {
	ctx := context.Background()
	st := mock.NewStore()
	require.NoError(t, st.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: "hc_1", JobID: "job_1", Channel: "email", Status: store.DeliveryPending}))
	cp := halcytone.DeliveryCheckpoints{Store: st}

	got, err := cp.Load(ctx, "hc_1")
	require.NoError(t, err)
	assert.Empty(t, got, "nothing saved yet")
	require.NoError(t, cp.Save(ctx, "hc_1", `{"batches":5}`))
	got, err = cp.Load(ctx, "hc_1")
	require.NoError(t, err)
	assert.Equal(t, `{"batches":5}`, got)
	d, err := st.GetDelivery(ctx, "hc_1")
	require.NoError(t, err)
	assert.Equal(t, `{"batches":5}`, d.Checkpoint, "kept with the delivery")

	rec := social.Record{Texts: []string{"1/2 a", "2/2 b"}, IDs: []string{"100"}, Unsure: true, At: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	require.NoError(t, cp.Put(ctx, "hc_1", rec))
	back, ok, err := cp.Get(ctx, "hc_1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, rec, back)

	_, ok, err = cp.Get(ctx, "hc_missing")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.ErrorIs(t, cp.Save(ctx, "hc_missing", "x"), store.ErrNotFound)

	require.NoError(t, cp.Save(ctx, "hc_1", "not json"))
	_, _, err = cp.Get(ctx, "hc_1")
	assert.Error(t, err, "a checkpoint that is not a record is an error, not an empty journal")
}
