package schedule

import (
	"context"
	"fmt"
	"net/http"

	"riverqueue.com/riverui"
)

// UIPrefix is the path the River UI handler expects to be mounted at:
// mux.Handle(UIPrefix+"/", h).
const UIPrefix = "/riverui"

// UIHandler returns River's web UI and its JSON API for this queue's
// database, to be mounted at UIPrefix+"/". Its web app is embedded in the
// binary (nothing is loaded from a CDN). The handler's background services
// run until ctx is done. The UI can cancel and retry entries: mount it
// behind the server's admin authentication.
func (q *RiverQueue) UIHandler(ctx context.Context) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: q.backend.endpoints(),
		Logger:    q.cfg.Logger,
		Prefix:    UIPrefix,
	})
	if err != nil {
		return nil, fmt.Errorf("schedule: river ui: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("schedule: start river ui: %w", err)
	}
	return h, nil
}
