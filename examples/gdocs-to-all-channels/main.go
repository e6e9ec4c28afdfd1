// Command gdocs-to-all-channels reads a living document from Google Docs
// and shows, channel by channel, exactly what Halcytone would send for it.
//
// Google is faked in-process (mock.OAuth issues the service account's
// token, mock.GoogleDocs serves the document), and every publisher is the
// real one (CRM email, web platform, X, LinkedIn, Facebook, Instagram)
// wrapped in publish.DryRun: the Engine runs the whole path — fetch,
// assemble, validate, approval, queue, publish — and the dry-run layer
// records each payload instead of sending it. The publishers' HTTP client
// refuses any request, so nothing can leave the machine.
//
//	go run ./examples/gdocs-to-all-channels [-full]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/publish/web"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// docID is the Google Doc the fake serves.
const docID = "1BreathscapeLivingDocument"

// textChannels are the channels the document's text feeds on its own.
var textChannels = []string{"email", "website", "twitter", "linkedin", "facebook"}

// instagramImage is the picture of the Instagram post. Instagram takes no
// post without an image and a living document is text, so the lead item
// goes to Instagram as typed content carrying an image URL (in practice,
// from your media library).
const instagramImage = "https://breathscape.example/media/wind-down.jpg"

// previewRunes is how much of each text of a payload is printed without
// -full.
const previewRunes = 160

func main() {
	full := flag.Bool("full", false, "print each payload whole and verbatim")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, config{full: *full, guard: &netGuard{}}); err != nil {
		fmt.Fprintln(os.Stderr, "gdocs-to-all-channels:", err)
		os.Exit(1)
	}
}

// netGuard is the HTTP transport of every publisher: it refuses each
// request and remembers it, so that a request that would have left the
// machine fails loudly instead of being sent.
type netGuard struct {
	mu   sync.Mutex
	reqs []string
}

// RoundTrip records r and refuses it.
func (g *netGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reqs = append(g.reqs, r.Method+" "+r.URL.Redacted())
	return nil, fmt.Errorf("netGuard: refused %s %s: dry run sends nothing", r.Method, r.URL.Redacted())
}

// Requests returns the requests refused so far.
func (g *netGuard) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.reqs)
}

// config is what run needs besides its output.
type config struct {
	// full prints each payload whole and verbatim.
	full bool
	// guard is the publishers' HTTP transport; nil means a new one.
	guard *netGuard
	// records, when not nil, receives every dry-run record by channel.
	records map[content.Channel][]publish.DryRunRecord
}

// run starts the Google fakes, runs the document through an Engine of
// dry-run publishers whose transport is cfg.guard, and prints to w what
// each channel would send. It fails when a channel has no dry-run record
// or a publisher tried to reach the network.
func run(ctx context.Context, w io.Writer, cfg config) error {
	guard := cfg.guard
	if guard == nil {
		guard = &netGuard{}
	}
	// Google, faked: a token endpoint that issues the service account's
	// key, and the Docs API holding the living document.
	oauth := mock.NewOAuth()
	oauth.Start()
	defer oauth.Close()
	key, err := oauth.ServiceAccountKey("newsletter-reader@breathscape-demo.iam.gserviceaccount.com")
	if err != nil {
		return err
	}
	docs := mock.NewGoogleDocs(oauth.Valid)
	docs.Start()
	defer docs.Close()
	addLivingDocument(docs)

	// The source is configured as for the real Google, but for the
	// endpoint: the key's token_uri already names the fake token endpoint.
	gdocs, err := source.NewGoogleDocs(source.GoogleDocsConfig{CredentialsJSON: key, Endpoint: docs.URL()})
	if err != nil {
		return err
	}
	reg := source.NewRegistry()
	reg.Register("gdocs", gdocs)

	dry, err := dryRunPublishers(&http.Client{Transport: guard, Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	pubs := make([]publish.Publisher, len(dry))
	for i, d := range dry {
		pubs[i] = d
	}

	st := mock.NewStore()
	defer st.Close()
	queue := mock.NewQueue(nil)
	eng, err := halcytone.New(halcytone.Config{Store: st, Sources: reg, Queue: queue, Publishers: pubs,
		Gate: &approval.Gate{Policy: approval.DefaultPolicy()}})
	if err != nil {
		return err
	}
	queue.Worker = eng
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := queue.Start(qctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = queue.Stop(stopCtx)
	}()

	// The document, to the five channels its text feeds.
	res, err := eng.Generate(ctx, halcytone.Request{DocumentID: "gdocs:" + docID, Channels: textChannels})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := queued(res); err != nil {
		return err
	}
	doc := res.Document
	fmt.Fprintf(w, "Fetched gdocs:%s: %q, %d sections, %d items (%d Docs API request, token issued to %s)\n",
		docID, doc.Title, len(doc.Sections), len(doc.Items()), len(docs.Requests()), oauth.Issued()[0].Issuer)
	fmt.Fprintf(w, "Job %s: %s, approval level %d (%s)\n", res.Job.ID, res.Status, res.Approval.Level, res.Approval.State)

	// Instagram: the document alone is refused (no image) ...
	pre, err := eng.Preview(ctx, halcytone.Request{DocumentID: "gdocs:" + docID, Channels: []string{"instagram"}})
	if err != nil {
		return fmt.Errorf("preview instagram: %w", err)
	}
	if len(pre.Report.Issues) > 0 {
		fmt.Fprintf(w, "Instagram from the document alone: refused, %s\n", pre.Report.Issues[0].Error())
	}
	// ... so its lead item goes as typed content with an image.
	lead := doc.Items()[0].Typed()
	lead.Common().Metadata = map[string]any{"image": instagramImage}
	ig, err := eng.Generate(ctx, halcytone.Request{Content: lead, Channels: []string{"instagram"}})
	if err != nil {
		return fmt.Errorf("generate instagram: %w", err)
	}
	if err := queued(ig); err != nil {
		return err
	}
	fmt.Fprintf(w, "Job %s: the lead item %q with an image, for Instagram: %s\n", ig.Job.ID, lead.Common().Title, ig.Status)

	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := queue.Wait(wctx); err != nil {
		return fmt.Errorf("waiting for the deliveries: %w", err)
	}
	for _, id := range []string{res.Job.ID, ig.Job.ID} {
		j, err := eng.Job(ctx, id)
		if err != nil {
			return err
		}
		if j.Status != store.JobCompleted {
			return fmt.Errorf("job %s ended %s: %v", id, j.Status, j.Errors)
		}
	}

	for _, d := range dry {
		recs := d.Recorded()
		if len(recs) == 0 {
			return fmt.Errorf("%s: no dry-run record", d.Channel())
		}
		for _, r := range recs {
			printRecord(w, d.Name(), r, cfg.full)
		}
		if cfg.records != nil {
			cfg.records[d.Channel()] = recs
		}
	}

	if reqs := guard.Requests(); len(reqs) > 0 {
		return fmt.Errorf("publishers tried to reach the network: %v", reqs)
	}
	fmt.Fprintln(w, "\nRequests the publishers sent over the network: 0")
	return nil
}

// queued checks that a Generate result was queued for delivery.
func queued(res *halcytone.Result) error {
	if res.Status == halcytone.StatusQueued {
		return nil
	}
	if res.Report != nil && len(res.Report.Issues) > 0 {
		return fmt.Errorf("generate: %s: %v", res.Status, res.Report.Issues)
	}
	return fmt.Errorf("generate: %s, expected %s", res.Status, halcytone.StatusQueued)
}

// dryRunPublishers builds the real publisher of every channel, configured
// with placeholder endpoints and tokens (the .invalid domain never
// resolves) and client, each wrapped in publish.DryRun.
func dryRunPublishers(client *http.Client) ([]*publish.DryRunPublisher, error) {
	const audience = 5000 // followers, for the social publishers' estimates
	crm, err := email.NewCRM(email.CRMConfig{Endpoint: "https://crm.invalid", APIKey: "dry-run", HTTPClient: client})
	if err != nil {
		return nil, err
	}
	site, err := web.New(web.Config{Endpoint: "https://platform.invalid", Token: "dry-run", HTTPClient: client})
	if err != nil {
		return nil, err
	}
	x, err := social.NewX(social.XConfig{Endpoint: "https://x.invalid", Token: "dry-run", Client: client, Audience: audience})
	if err != nil {
		return nil, err
	}
	li, err := social.NewLinkedIn(social.LinkedInConfig{Endpoint: "https://linkedin.invalid", Token: "dry-run",
		Author: "urn:li:organization:0", Client: client, Audience: audience})
	if err != nil {
		return nil, err
	}
	fb, err := social.NewFacebook(social.GraphConfig{Endpoint: "https://graph.invalid", Token: "dry-run", ID: "0", Client: client, Audience: audience})
	if err != nil {
		return nil, err
	}
	ig, err := social.NewInstagram(social.GraphConfig{Endpoint: "https://graph.invalid", Token: "dry-run", ID: "0", Client: client, Audience: audience})
	if err != nil {
		return nil, err
	}
	var out []*publish.DryRunPublisher
	for _, p := range []publish.Publisher{crm, site, x, li, fb, ig} {
		out = append(out, publish.DryRun(p))
	}
	return out, nil
}

// addLivingDocument gives the fake the living document, written as an
// editor would in Google Docs: a title, category headings, dated item
// headings, bold field labels, a link and a bulleted list.
func addLivingDocument(docs *mock.GoogleDocs) {
	docs.AddDocument(docID, "Breathscape living document",
		mock.DocHeading(0, "Breathscape news"),
		mock.DocHeading(2, "[Breathscape] App updates"),
		mock.DocHeading(3, "2026-11-20 — Wind-down sessions"),
		mock.DocText(mock.DocRun{Text: "Channels: ", Bold: true}, mock.DocRun{Text: "email, web, twitter, linkedin, facebook, instagram"}),
		mock.DocText(mock.DocRun{Text: "A new "}, mock.DocRun{Text: "Wind-down", Italic: true},
			mock.DocRun{Text: " collection pairs a 4-in, 6-out pacer with dimmed screens, so the last ten minutes of your day slow down with you. "},
			mock.DocRun{Text: "See the collection", Link: "https://breathscape.example/wind-down"}, mock.DocRun{Text: "."}),
		mock.DocHeading(3, "2026-11-04 — Offline sessions"),
		mock.DocText(mock.DocRun{Text: "Every guided session can now be saved for offline use, so a flight or a basement gym no longer means breathing without a guide."}),
		mock.DocHeading(2, "[Tips] Breathing tips and techniques"),
		mock.DocHeading(3, "2026-11-18 — Box breathing before a hard conversation"),
		mock.DocText(mock.DocRun{Text: "Box breathing is four equal sides. Two or three minutes of it before a difficult call gives your attention something steady to hold on to:"}),
		mock.DocBullet(0, mock.DocRun{Text: "breathe in for four counts, hold for four"}),
		mock.DocBullet(0, mock.DocRun{Text: "breathe out for four counts, hold for four"}),
	)
}

// printRecord prints one dry-run record: where it would go and its
// payload, verbatim when full, else reformatted with long texts cut to
// their first previewRunes.
func printRecord(w io.Writer, publisher string, r publish.DryRunRecord, full bool) {
	fmt.Fprintf(w, "\n== %s (publisher %s, dry run)\n", r.Delivery.Channel, publisher)
	fmt.Fprintf(w, "  job      %s\n  key      %s\n  receipt  %s\n", r.Delivery.JobID, r.Delivery.IdempotencyKey, r.Receipt.ExternalID)
	if len(r.Preview.Estimates) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Preview.Estimates)) {
			parts = append(parts, fmt.Sprintf("%s=%g", k, r.Preview.Estimates[k]))
		}
		fmt.Fprintf(w, "  estimate %s\n", strings.Join(parts, " "))
	}
	fmt.Fprintf(w, "  payload  %d bytes:\n", len(r.Preview.Payload))
	body := string(r.Preview.Payload)
	if !full {
		body = readable(r.Preview.Payload, previewRunes)
	}
	for line := range strings.SplitSeq(body, "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

// readable renders a payload for people: JSON indented, a form as one
// field per line, anything else as it is; every text longer than limit
// runes is cut (0: no limit).
func readable(p []byte, limit int) string {
	var v any
	if json.Unmarshal(p, &v) == nil {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if enc.Encode(cut(v, limit)) == nil {
			return strings.TrimSuffix(b.String(), "\n")
		}
	}
	if form, err := url.ParseQuery(string(p)); err == nil && len(form) > 0 && !strings.ContainsAny(string(p), " \n{") {
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(form)) {
			for _, v := range form[k] {
				fmt.Fprintf(&b, "%s: %s\n", k, cut(v, limit))
			}
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	return cut(string(p), limit).(string)
}

// cut returns v with every string longer than limit runes shortened, in
// maps and lists too; limit 0 changes nothing.
func cut(v any, limit int) any {
	if limit <= 0 {
		return v
	}
	switch t := v.(type) {
	case string:
		r := []rune(t)
		if len(r) <= limit {
			return t
		}
		return fmt.Sprintf("%s… (%d more characters; -full prints all)", string(r[:limit]), len(r)-limit)
	case map[string]any:
		for k, x := range t {
			t[k] = cut(x, limit)
		}
	case []any:
		for i, x := range t {
			t[i] = cut(x, limit)
		}
	}
	return v
}
