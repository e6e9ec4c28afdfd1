// Command approval-in-your-service embeds the Halcytone Engine in an
// existing net/http service (service.go): its own routes, an Engine on
// SQLite with the River queue in the same file, and a level-2 review by
// an editor and someone from marketing. It starts the service on a
// loopback port, plays a short review over HTTP — the author submits, is
// refused as her own reviewer, the two reviewers approve — then prints
// the audit trail and the delivery.
//
//	go run ./examples/approval-in-your-service [-dir DIR]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/halcytone/halcytone/store"
)

// The article the scenario submits.
const (
	articleTitle = "The science of the long exhale"
	articleBody  = "Making the exhale longer than the inhale is one of the simplest ways to slow down. " +
		"When you breathe out for six counts after breathing in for four, your heart rate dips a little " +
		"with every breath out, and over a few minutes that adds up to a calmer body and a quieter mind. " +
		"Try it for three minutes before your next meeting."
)

// deliveryWait bounds the wait for the delivery after the last approval.
const deliveryWait = time.Minute

func main() {
	dir := flag.String("dir", "", "directory of the SQLite database (default: a temporary directory, removed at exit)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := start(ctx, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "approval-in-your-service:", err)
		os.Exit(1)
	}
}

// start resolves the database directory and calls run.
func start(ctx context.Context, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "halcytone-approval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	return run(ctx, os.Stdout, dir)
}

// run starts the service with its database in dir, plays the review over
// HTTP and prints each step, the audit trail and the delivery to w.
func run(ctx context.Context, w io.Writer, dir string) error {
	svc, err := newService(ctx, dir)
	if err != nil {
		return err
	}
	defer svc.Close()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	c := client{base: srv.URL, http: srv.Client()}
	fmt.Fprintf(w, "Service on %s, database %s\n\n", srv.URL, svc.st.Path())

	var art articleView
	if err := c.call(ctx, "POST", "/articles", "ada", map[string]string{"title": articleTitle, "body": articleBody}, http.StatusCreated, &art); err != nil {
		return err
	}
	a := art.Approval
	if a == nil {
		return errors.New("the article has no approval request")
	}
	stages := ""
	for _, st := range a.Stages {
		stages += fmt.Sprintf(" %s %v", st.Name, st.Roles)
	}
	step(w, "ada", "POST /articles", fmt.Sprintf("%s %q: %s, approval level %d, stages%s", art.ID, art.Title, art.Status, a.Level, stages))

	steps := []struct {
		user, action, comment string
		want                  int
	}{
		{"ada", "approve", "looks good to me", http.StatusForbidden},
		{"erin", "approve", "clear and accurate", http.StatusOK},
		{"mark", "approve", "on brand; ship it", http.StatusOK},
	}
	for _, s := range steps {
		path := "/articles/" + art.ID + "/" + s.action
		var got struct {
			articleView
			Error string `json:"error"`
		}
		if err := c.call(ctx, "POST", path, s.user, map[string]string{"comment": s.comment}, s.want, &got); err != nil {
			return err
		}
		outcome := fmt.Sprintf("%d %s: %s", s.want, http.StatusText(s.want), got.Error)
		if got.Approval != nil {
			outcome = fmt.Sprintf("approval %s, job %s", got.Approval.State, got.Status)
		}
		step(w, s.user, "POST "+path, outcome)
	}

	// The last approval enqueued the delivery; the queue sends it.
	deadline := time.Now().Add(deliveryWait)
	for !art.Status.Terminal() {
		if time.Now().After(deadline) {
			return fmt.Errorf("article %s still %s after %s", art.ID, art.Status, deliveryWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if err := c.call(ctx, "GET", "/articles/"+art.ID, "", nil, http.StatusOK, &art); err != nil {
			return err
		}
	}
	step(w, "", "GET /articles/"+art.ID, "job "+string(art.Status))
	if art.Status != store.JobCompleted {
		return fmt.Errorf("job ended %s", art.Status)
	}

	fmt.Fprintln(w, "\nAudit trail of", art.Approval.ID+":")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range art.Approval.Audit {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.At.Format("15:04:05.000"), e.Actor, e.Action, e.Comment)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nDeliveries (store):")
	for _, d := range art.Deliveries {
		id := ""
		if d.Receipt != nil {
			id = d.Receipt.ExternalID
		}
		fmt.Fprintf(w, "  %s  %s  %s  attempts %d  receipt %s\n", d.Channel, d.Status, d.IdempotencyKey, d.Attempts, id)
	}
	fmt.Fprintln(w, "Recorded by the website publisher (mock.RecordingPublisher):")
	for _, p := range svc.web.Published() {
		title := p.Delivery.Bundle.Title
		if p.Delivery.Bundle.WebPost != nil {
			title = p.Delivery.Bundle.WebPost.Title
		}
		fmt.Fprintf(w, "  %s  job %s  %q  → %s %s\n", p.Delivery.Channel, p.Delivery.JobID, title, p.Receipt.Status, p.Receipt.ExternalID)
	}
	return nil
}

// step prints one request of the scenario and its outcome.
func step(w io.Writer, user, request, outcome string) {
	fmt.Fprintf(w, "%-5s %-30s → %s\n", user, request, outcome)
}

// client calls the service as its users would.
type client struct {
	base string
	http *http.Client
}

// call sends method path as user with body as JSON, requires the status
// want, and decodes the answer into out (when not nil).
func (c client) call(ctx context.Context, method, path, user string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set(userHeader, user)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s as %q: status %d, want %d: %s", method, path, user, resp.StatusCode, want, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
