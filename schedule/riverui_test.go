package schedule_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
)

func TestUIHandlerServesIndex(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			q, inTx := b.open(t, schedule.Config{})
			require.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job-ui", DeliveryKey: "k-ui"}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h, err := q.UIHandler(ctx)
			require.NoError(t, err)
			mux := http.NewServeMux()
			mux.Handle(schedule.UIPrefix+"/", h)
			srv := httptest.NewServer(mux)
			defer srv.Close()

			get := func(path string) (int, string) {
				resp, err := http.Get(srv.URL + path)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, string(body)
			}
			code, body := get(schedule.UIPrefix + "/")
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "<html")
			assert.Contains(t, body, schedule.UIPrefix, "asset paths carry the mount prefix")

			code, body = get(schedule.UIPrefix + "/api/jobs?state=available")
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "k-ui", "the UI's API sees the queue's entries")
		})
	}
}
