// Command weekly-update publishes a living document every Tuesday at 10:00
// New York time: it prints the next runs of the recurrence (across a
// daylight-saving change), plans the week's items over the channels, stores
// the schedule through the Engine on SQLite, and runs it at a controllable
// "now" to start the first job.
//
//	go run ./examples/weekly-update
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// weekly is the living document the team keeps writing in; run writes it
// into the content directory a source.File reads from.
//
//go:embed weekly.md
var weekly []byte

const (
	// spec and zone: every Tuesday at 10:00, New York time.
	spec = "0 10 * * TUE"
	zone = "America/New_York"
	// docRef is the schedule's document, read by source.File.
	docRef = "file:weekly.md"
)

// start returns the example's first "now": a Saturday three weeks before
// the clocks go forward in New York (Sunday 14 March 2027), so that the
// next five runs straddle the change.
func start() time.Time { return time.Date(2027, 2, 20, 14, 0, 0, 0, time.UTC) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "halcytone-weekly-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "weekly-update:", err)
		os.Exit(1)
	}
	err = run(ctx, os.Stdout, dir)
	_ = os.RemoveAll(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "weekly-update:", err)
		os.Exit(1)
	}
}

// clock is a time source that only moves when told to: the Engine's
// Config.Now, so that the example can step to the first run instead of
// waiting for it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// run does the work of the example in dir, which holds the SQLite database
// and the content directory, and writes its report to w.
func run(ctx context.Context, w io.Writer, dir string) error {
	rec, err := schedule.ParseRecurrence(spec, zone)
	if err != nil {
		return err
	}
	loc := rec.Location()
	clk := &clock{now: start()}

	// 1. The next five runs, in New York time and in UTC.
	fmt.Fprintf(w, "Recurrence %s\n", rec)
	fmt.Fprintf(w, "Next 5 runs after %s:\n", local(clk.Now(), loc))
	prev := time.Time{}
	for _, t := range rec.NextN(clk.Now(), 5) {
		note := ""
		if _, off := t.Zone(); !prev.IsZero() {
			if _, before := prev.Zone(); before != off {
				note = "  <- UTC offset changed: daylight saving time"
			}
		}
		fmt.Fprintf(w, "  %s  UTC%s  = %s UTC%s\n", local(t, loc), t.Format("-07:00"), t.UTC().Format("15:04"), note)
		prev = t
	}

	// The document lives in a directory the team writes in.
	docs := filepath.Join(dir, "content")
	if err := os.MkdirAll(docs, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(docs, "weekly.md"), weekly, 0o644); err != nil {
		return err
	}
	reg := source.NewRegistry()
	reg.Register("file", &source.File{Root: docs})

	// 2. A batch plan for the week of the first run, printed before anything
	// is enqueued: the items in turn over the channels, email first.
	doc, err := reg.Fetch(ctx, docRef)
	if err != nil {
		return err
	}
	var titles []string
	for _, it := range doc.Items() {
		titles = append(titles, it.Title)
	}
	first := rec.Next(clk.Now())
	plan, err := schedule.Plan(schedule.PlanRequest{
		Period:   schedule.PeriodWeek,
		Start:    first,
		TimeZone: zone,
		Channels: []string{"linkedin", "web", "email"}, // email goes first whatever the order
		Titles:   titles,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nBatch plan for the week from %s (%d items, nothing enqueued yet):\n", local(plan.Start, loc), len(plan.Slots))
	for _, s := range plan.Slots {
		fmt.Fprintf(w, "  %s  %-8s %s\n", local(s.At, loc), s.Channel, s.Title)
	}

	// 3. The Engine on SQLite, with the controllable clock.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "halcytone.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	// An enqueue-only queue: this example starts jobs but delivers nothing
	// (a server starts the queue with the Engine as its Worker).
	q, err := schedule.NewSQLite(ctx, st.DB(), schedule.Config{})
	if err != nil {
		return err
	}
	eng, err := halcytone.New(halcytone.Config{Store: st, Sources: reg, Queue: q, Now: clk.Now})
	if err != nil {
		return err
	}
	sch, err := eng.CreateSchedule(ctx, store.Schedule{
		Name:       "Breathscape weekly",
		Cron:       spec,
		Timezone:   zone,
		DocumentID: docRef,
		Channels:   []string{"email", "web", "linkedin"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nStored schedule %s %q: next run %s\n", sch.ID, sch.Name, local(sch.NextRun, loc))

	// 4. Five minutes past the first run, the scheduler's tick starts it.
	clk.Set(first.Add(5 * time.Minute))
	fmt.Fprintf(w, "Clock moves to %s\n", local(clk.Now(), loc))
	jobs, err := eng.RunSchedules(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "RunSchedules started %d job(s):\n", len(jobs))
	for _, j := range jobs {
		fmt.Fprintf(w, "  %s  %s  channels %s  run %v\n", j.ID, j.Status, strings.Join(j.Channels, ","), j.Metadata["scheduled_run"])
		if j.Approval != nil {
			fmt.Fprintf(w, "  approval level %d, %s (request %s)\n", j.Approval.Level, j.Approval.State, j.Approval.RequestID)
		}
	}
	sch, err = st.GetSchedule(ctx, sch.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Schedule moves on: last run %s, next run %s\n", local(sch.LastRun, loc), local(sch.NextRun, loc))

	// Running the scheduler again at the same time starts nothing: each run
	// is claimed once.
	again, err := eng.RunSchedules(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "RunSchedules again at the same time started %d job(s)\n", len(again))
	return nil
}

// local formats t in loc, as "Tue 2027-02-23 10:00 EST".
func local(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}
