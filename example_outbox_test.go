package halcytone_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// An outbox writes what must not be lost in the transaction of the change
// its events announce: here an audit trail of every job event, which can
// never miss one, whatever crashes when. (The reference server's outgoing
// webhooks are recorded the same way.)
func ExampleConfig_outbox() {
	ctx := context.Background()
	st := mock.NewStore()
	queue := mock.NewQueue(nil)
	eng, err := halcytone.New(halcytone.Config{
		Store:      st,
		Sources:    source.NewRegistry(),
		Queue:      queue,
		Publishers: []publish.Publisher{mock.NewRecordingPublisher("crm", content.ChannelEmail)},
		Outbox: func(ctx context.Context, tx store.Tx, events []halcytone.Event) error {
			for _, ev := range events {
				if ev.Job == nil {
					continue
				}
				if err := tx.RecordEvent(ctx, &store.Event{Type: "audit." + ev.Type, JobID: ev.Job.ID, Status: string(ev.Job.Status), At: ev.At}); err != nil {
					return err // the change rolls back with its audit entry
				}
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	queue.Worker = eng
	if err := queue.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer queue.Stop(ctx)

	_, err = eng.Generate(ctx, halcytone.Request{Channels: []string{"email"}, Content: &content.Update{Base: content.Base{
		Title: "Offline sessions are here",
		Body:  "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := queue.Wait(ctx); err != nil {
		fmt.Println(err)
		return
	}
	trail, err := st.ListEvents(ctx, store.EventFilter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range trail {
		if strings.HasPrefix(e.Type, "audit.") {
			fmt.Println(e.Type, e.Status)
		}
	}
	// Output:
	// audit.job_created pending
	// audit.approval.decided pending
	// audit.job_completed completed
}
