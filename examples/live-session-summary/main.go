// Command live-session-summary turns the events of a live breathing session
// (session.started, participant.joined, technique.changed, hrv.milestone,
// session.ended, ...) into a typed content.Session, and the Engine into a
// session summary for the newsletter, the website and every social
// platform, delivered to dry-run publishers: nothing leaves the machine.
//
//	go run ./examples/live-session-summary [-events session.jsonl]
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/publish/web"
	"github.com/halcytone/halcytone/source"
)

// recorded is a session as the session platform sent it, one JSON event a
// line.
//
//go:embed session.jsonl
var recorded []byte

// channels are the summary's channels: the newsletter, the website and
// every social platform.
func channels() []string {
	return []string{"newsletter", "web", "twitter", "linkedin", "facebook", "instagram"}
}

func main() {
	events := flag.String("events", "", "a file of session events, one JSON object a line (default: a recorded session)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	in := io.Reader(bytes.NewReader(recorded))
	if *events != "" {
		f, err := os.Open(*events)
		if err != nil {
			fmt.Fprintln(os.Stderr, "live-session-summary:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	if err := run(ctx, os.Stdout, in); err != nil {
		fmt.Fprintln(os.Stderr, "live-session-summary:", err)
		os.Exit(1)
	}
}

// run folds the session events read from events, previews and generates
// the summary, and writes what it made and delivered to w.
func run(ctx context.Context, w io.Writer, events io.Reader) error {
	evs, err := ReadEvents(events)
	if err != nil {
		return err
	}
	s, err := Fold(evs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Folded %d events into session %s:\n", len(evs), s.SessionID)
	fmt.Fprintf(w, "  title         %s\n", s.Title)
	fmt.Fprintf(w, "  instructor    %s\n", s.InstructorName)
	fmt.Fprintf(w, "  participants  %d\n", s.ParticipantCount)
	fmt.Fprintf(w, "  techniques    %s\n", strings.Join(s.BreathingTechniques, ", "))
	fmt.Fprintf(w, "  duration      %d s\n", s.SessionDuration)
	fmt.Fprintf(w, "  hrv change    %+.1f%%\n", s.AverageHRVImprovement)

	// The Engine in memory, with a clock just after the session ended (a
	// summary must be of a session at most 30 days old), and one dry-run
	// publisher per channel.
	now := s.SessionDate.Add(time.Duration(s.SessionDuration)*time.Second + 5*time.Minute)
	pubs, err := dryRunPublishers()
	if err != nil {
		return err
	}
	q := mock.NewQueue(nil)
	eng, err := halcytone.New(halcytone.Config{
		Store:      mock.NewStore(),
		Sources:    source.NewRegistry(),
		Queue:      q,
		Publishers: asPublishers(pubs),
		Now:        func() time.Time { return now },
	})
	if err != nil {
		return err
	}
	q.Worker = eng
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := q.Start(qctx); err != nil {
		return err
	}
	defer func() { _ = q.Stop(context.Background()) }()

	// Preview: every channel's variant, nothing stored or sent.
	req := halcytone.Request{Content: s, Channels: channels(), Author: "session-bot"}
	pre, err := eng.Preview(ctx, req)
	if err != nil {
		return err
	}
	if !pre.Report.Valid {
		return fmt.Errorf("the session summary is invalid: %v", pre.Report.Issues)
	}
	b := pre.Bundle
	if b.Session == nil || b.Newsletter == nil || b.WebPost == nil {
		return errors.New("the preview lacks the summary, the newsletter or the web post")
	}
	sum := b.Session
	fmt.Fprintf(w, "\nSession summary (preview, %d warnings):\n", len(pre.Report.Warnings))
	fmt.Fprintf(w, "  participants  %d\n", sum.ParticipantCount)
	fmt.Fprintf(w, "  techniques    %s\n", strings.Join(sum.Techniques, ", "))
	fmt.Fprintf(w, "  minutes       %g\n", sum.DurationMinutes)
	fmt.Fprintf(w, "  hrv change    %+.1f%%\n", sum.HRVImprovement)
	for _, h := range sum.Highlights {
		fmt.Fprintf(w, "  highlight     %s\n", h)
	}
	fmt.Fprintf(w, "\nNewsletter: %s\n", b.Newsletter.Subject)
	fmt.Fprintf(w, "Web post:   %s (/%s)\n", b.WebPost.Title, b.WebPost.Slug)
	fmt.Fprintln(w, "Social posts:")
	for _, p := range b.Social {
		parts := p.Thread
		if len(parts) == 0 {
			parts = []string{p.Text}
		}
		for i, text := range parts {
			label := string(p.Platform)
			if len(parts) > 1 {
				label = fmt.Sprintf("%s %d/%d", p.Platform, i+1, len(parts))
			}
			fmt.Fprintf(w, "  [%s]\n%s\n", label, indent(text, "    "))
		}
	}

	// Generate: the summary is stored, approved by the policy (a session
	// summary is level 1, approved when valid) and delivered to every
	// channel's dry-run publisher.
	res, err := eng.Generate(ctx, req)
	if err != nil {
		return err
	}
	if res.Job == nil {
		return fmt.Errorf("no job: %s", res.Status)
	}
	wctx, done := context.WithTimeout(ctx, time.Minute)
	defer done()
	if err := q.Wait(wctx); err != nil {
		return err
	}
	job, err := eng.Job(ctx, res.Job.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nJob %s: %s (approval level %d, %s)\n", job.ID, job.Status, res.Approval.Level, res.Approval.State)
	for _, ch := range job.Channels {
		r := job.Results[ch]
		fmt.Fprintf(w, "  %-10s %s\n", ch, strings.TrimSpace(r.Status+" "+r.Error))
	}
	fmt.Fprintln(w, "Recorded by the dry-run publishers (nothing was sent):")
	for _, p := range pubs {
		for _, rec := range p.Recorded() {
			fmt.Fprintf(w, "  %-10s %d-byte payload, dry run %t\n", p.Channel(), len(rec.Preview.Payload), rec.Receipt.DryRun)
		}
	}
	return nil
}

// dryRunPublishers returns the real publishers of every channel, each
// wrapped in publish.DryRun: they build exactly the payload they would
// send, record it, and send nothing. The endpoints and tokens are
// placeholders, as halcytone serve uses when no credentials are set.
func dryRunPublishers() ([]*publish.DryRunPublisher, error) {
	crm, err := email.NewCRM(email.CRMConfig{Endpoint: "https://crm.invalid", APIKey: "dry-run"})
	if err != nil {
		return nil, err
	}
	site, err := web.New(web.Config{Endpoint: "https://platform.invalid", Token: "dry-run"})
	if err != nil {
		return nil, err
	}
	x, err := social.NewX(social.XConfig{Token: "dry-run"})
	if err != nil {
		return nil, err
	}
	li, err := social.NewLinkedIn(social.LinkedInConfig{Token: "dry-run", Author: "urn:li:organization:0"})
	if err != nil {
		return nil, err
	}
	fb, err := social.NewFacebook(social.GraphConfig{Token: "dry-run", ID: "0"})
	if err != nil {
		return nil, err
	}
	ig, err := social.NewInstagram(social.GraphConfig{Token: "dry-run", ID: "0"})
	if err != nil {
		return nil, err
	}
	var out []*publish.DryRunPublisher
	for _, p := range []publish.Publisher{crm, site, x, li, fb, ig} {
		out = append(out, publish.DryRun(p))
	}
	return out, nil
}

func asPublishers(ps []*publish.DryRunPublisher) []publish.Publisher {
	out := make([]publish.Publisher, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// indent puts prefix before every line of text.
func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(prefix+l, " ")
	}
	return strings.Join(lines, "\n")
}

// Event is one message of the session platform, as it sends them to
// halcytone serve at WS /ws/session/{session_id}/events.
type Event struct {
	Type      string         `json:"type"`
	Data      map[string]any `json:"data,omitempty"`
	Timestamp time.Time      `json:"timestamp"`
}

// The event types Fold understands; others are ignored.
const (
	EventSessionStarted    = "session.started"
	EventParticipantJoined = "participant.joined"
	EventParticipantLeft   = "participant.left"
	EventTechniqueChanged  = "technique.changed"
	EventHRVMilestone      = "hrv.milestone"
	EventSessionEnded      = "session.ended"
)

// ReadEvents reads one JSON event a line; blank lines are skipped.
func ReadEvents(r io.Reader) ([]Event, error) {
	var out []Event
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("event on line %d: %w", n, err)
		}
		out = append(out, ev)
	}
	return out, sc.Err()
}

// Fold folds a session's events, in order, into the typed content of its
// summary:
//
//   - session.started gives the id, title, instructor, type, start and
//     the picture of the social posts (Instagram needs one);
//   - participant.joined counts each participant once, however often they
//     rejoin (participant.left changes nothing: they took part);
//   - technique.changed adds each technique once, by its canonical name;
//   - hrv.milestone sets the average HRV change so far and adds its note to
//     the key achievements;
//   - session.ended gives the duration.
//
// A session that never started or never ended, or whose start or end has
// no timestamp, is an error.
func Fold(events []Event) (*content.Session, error) {
	s := &content.Session{}
	var started, ended time.Time
	seen := map[string]bool{}
	for i, ev := range events {
		if (ev.Type == EventSessionStarted || ev.Type == EventSessionEnded) && ev.Timestamp.IsZero() {
			return nil, fmt.Errorf("event %d: %s has no timestamp", i, ev.Type)
		}
		switch ev.Type {
		case EventSessionStarted:
			started = ev.Timestamp
			s.SessionID = str(ev.Data, "session_id")
			s.Title = str(ev.Data, "title")
			s.InstructorName = str(ev.Data, "instructor")
			s.SessionType = content.SessionType(str(ev.Data, "session_type"))
			s.SessionDate = ev.Timestamp.UTC()
			if img := str(ev.Data, "image"); img != "" {
				s.Metadata = map[string]any{"image": img} // the social posts' picture
			}
		case EventParticipantJoined:
			if id := str(ev.Data, "participant_id"); id != "" && !seen[id] {
				seen[id] = true
			}
		case EventTechniqueChanged:
			if t := content.NormalizeTechnique(str(ev.Data, "technique")); t != "" && !slices.Contains(s.BreathingTechniques, t) {
				s.BreathingTechniques = append(s.BreathingTechniques, t)
			}
		case EventHRVMilestone:
			if v, ok := ev.Data["average_improvement"].(float64); ok && !math.IsNaN(v) {
				s.AverageHRVImprovement = v
			}
			if note := str(ev.Data, "note"); note != "" {
				s.KeyAchievements = append(s.KeyAchievements, note)
			}
		case EventSessionEnded:
			if started.IsZero() {
				return nil, fmt.Errorf("event %d: %s before %s", i, ev.Type, EventSessionStarted)
			}
			ended = ev.Timestamp
		}
	}
	switch {
	case started.IsZero():
		return nil, fmt.Errorf("no %s event", EventSessionStarted)
	case ended.IsZero():
		return nil, fmt.Errorf("no %s event: the session is still running", EventSessionEnded)
	case !ended.After(started):
		return nil, fmt.Errorf("the session ended (%s) before it started (%s)", ended, started)
	}
	s.ParticipantCount = len(seen)
	s.SessionDuration = int(ended.Sub(started).Round(time.Second) / time.Second)
	if s.Title == "" {
		s.Title = "Breathing session recap"
	}
	s.Body = fmt.Sprintf("%d people breathed together for %d minutes with %s.",
		s.ParticipantCount, s.SessionDuration/60, orDefault(s.InstructorName, "the Breathscape team"))
	return s, nil
}

// str returns the string value of key in data, trimmed, or "".
func str(data map[string]any, key string) string {
	v, _ := data[key].(string)
	return strings.TrimSpace(v)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
