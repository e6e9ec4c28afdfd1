package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// MaxBatchItems bounds the requests (or planned items) of one batch.
const MaxBatchItems = 100

// batchParallelism is how many items of a parallel batch run at once.
const batchParallelism = 4

// maxBatches is how many batches the server remembers for GET
// /api/v2/batch/{batch_id}; older ones are forgotten first.
const maxBatches = 1000

// BatchRequest is the body of POST /api/v2/batch/generate: either a list
// of sync requests (the dashboard's form) or a publishing plan spread over
// a period. Unknown fields are ignored (a dashboard client endpoint).
type BatchRequest struct {
	Requests []SyncRequest `json:"requests,omitempty" maxItems:"100" doc:"sync requests, as POST /api/v2/content/sync takes them"`
	Parallel bool          `json:"parallel,omitempty" doc:"run up to 4 requests at once"`
	FailFast bool          `json:"fail_fast,omitempty" doc:"stop at the first failure; the rest are skipped"`

	Period          string   `json:"period,omitempty" enum:"day,week,month" doc:"plan form: spread count items over this period's business hours"`
	Channels        []string `json:"channels,omitempty" maxItems:"16" doc:"plan form: the channels items go to in turn, email first; empty means all"`
	Count           int      `json:"count,omitempty" minimum:"0" maximum:"100" doc:"plan form: how many items"`
	DocumentID      string   `json:"document_id,omitempty" maxLength:"2048" doc:"plan form: the document every item publishes"`
	DryRun          bool     `json:"dry_run,omitempty" doc:"plan form: the jobs' publishers only record what they would send"`
	TemplateStyle   string   `json:"template_style,omitempty" doc:"plan form: newsletter template"`
	TemplateVariety bool     `json:"template_variety,omitempty" doc:"plan form: rotate the newsletter templates"`
	Timezone        string   `json:"timezone,omitempty" maxLength:"100" doc:"plan form: IANA time zone of the business hours; omitted: the server's"`
	Start           string   `json:"start,omitempty" doc:"plan form: when the period starts (RFC 3339 or local YYYY-MM-DDTHH:MM); at most one year ahead; omitted: now"`
	PreviewOnly     bool     `json:"preview_only,omitempty" doc:"plan form: return the plan and create no jobs"`
	_               struct{} `json:"-" additionalProperties:"true"`
}

// BatchBody is a batch's outcome: one job per successful item, in request
// order, and what failed.
type BatchBody struct {
	BatchID        string           `json:"batch_id"`
	Total          int              `json:"total"`
	Successful     int              `json:"successful"`
	Failed         int              `json:"failed"`
	Skipped        int              `json:"skipped,omitempty" doc:"items not run because fail_fast stopped the batch"`
	Jobs           []SyncJob        `json:"jobs"`
	Errors         []BatchItemError `json:"errors,omitempty"`
	SchedulingPlan *PlanBody        `json:"scheduling_plan,omitempty"`
	CreatedAt      time.Time        `json:"created_at"`
}

// BatchItemError is why one item of a batch failed.
type BatchItemError struct {
	Index  int                 `json:"index"`
	Status int                 `json:"status" doc:"the HTTP status the item alone would have had"`
	Detail string              `json:"detail"`
	Errors []*huma.ErrorDetail `json:"errors,omitempty"`
}

// PlanBody is a publishing plan on the wire, times in UTC.
type PlanBody struct {
	Period   string     `json:"period" enum:"day,week,month"`
	Timezone string     `json:"timezone"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	Slots    []SlotBody `json:"slots"`
}

// SlotBody is one planned publication and the job created for it.
type SlotBody struct {
	At       time.Time `json:"at"`
	Channel  string    `json:"channel"`
	Item     int       `json:"item"`
	Title    string    `json:"title,omitempty"`
	Template string    `json:"template_style"`
	JobID    string    `json:"job_id,omitempty"`
}

// batchItem is the outcome of one item: a job, an error, or neither
// (skipped).
type batchItem struct {
	job *store.Job
	err *BatchItemError
}

// batchRecord is a finished batch as the server remembers it.
type batchRecord struct {
	id        string
	createdAt time.Time
	items     []batchItem
	plan      *PlanBody
}

// batchStore remembers the most recent batches, for GET
// /api/v2/batch/{batch_id}. It is safe for concurrent use.
type batchStore struct {
	max int

	mu    sync.Mutex
	byID  map[string]*batchRecord
	order []string // oldest first
}

func newBatchStore(limit int) *batchStore {
	return &batchStore{max: limit, byID: map[string]*batchRecord{}}
}

// put remembers r, forgetting the oldest batch when full. Records are not
// changed after put.
func (b *batchStore) put(r *batchRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.order) >= b.max {
		delete(b.byID, b.order[0])
		b.order = b.order[1:]
	}
	b.byID[r.id] = r
	b.order = append(b.order, r.id)
}

// get returns the batch with the given id.
func (b *batchStore) get(id string) (*batchRecord, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.byID[id]
	return r, ok
}

func newBatchID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "bat_" + hex.EncodeToString(b[:])
}

// body converts r to the wire; current, when set, gives each job's state
// as it is now.
func (r *batchRecord) body(current func(*store.Job) *store.Job) BatchBody {
	out := BatchBody{BatchID: r.id, Total: len(r.items), Jobs: []SyncJob{}, SchedulingPlan: r.plan, CreatedAt: r.createdAt}
	for _, it := range r.items {
		switch {
		case it.job != nil:
			j := it.job
			if current != nil {
				j = current(j)
			}
			out.Successful++
			out.Jobs = append(out.Jobs, syncJobOf(j))
		case it.err != nil:
			out.Failed++
			out.Errors = append(out.Errors, *it.err)
		default:
			out.Skipped++
		}
	}
	return out
}

// itemError describes the error of item i, with its field locations made
// relative to the batch body under prefix (such as "body.requests[3]").
// An internal error reads "internal error", as a request's own 500 does;
// its cause is logged, never sent.
func (s *Server) itemError(ctx context.Context, i int, err error, prefix string) *BatchItemError {
	out := &BatchItemError{Index: i, Status: http.StatusInternalServerError, Detail: "internal error"}
	var se huma.StatusError
	if errors.As(err, &se) {
		out.Status = se.GetStatus()
	}
	var ie *internalError
	if errors.As(err, &ie) || se == nil {
		cause := err
		if ie != nil {
			cause = ie.cause
		}
		s.log.ErrorContext(ctx, "internal error", "batch_item", i, "err", cause)
		return out
	}
	out.Detail = err.Error()
	var em *huma.ErrorModel
	if errors.As(err, &em) {
		out.Detail = em.Detail
		for _, d := range em.Errors {
			c := *d
			if rest, ok := strings.CutPrefix(c.Location, "body"); ok && prefix != "" {
				c.Location = prefix + rest
			}
			out.Errors = append(out.Errors, &c)
		}
	}
	return out
}

// runBatch runs n items with run, starting them in order, at most par at
// once (one at a time when par <= 1); with failFast, no item starts after
// a failure, and the items not started are skipped (left zero). It returns
// when every started item has finished.
func runBatch(ctx context.Context, n, par int, failFast bool, run func(ctx context.Context, i int) batchItem) []batchItem {
	items := make([]batchItem, n)
	var stop atomic.Bool
	sem := make(chan struct{}, max(par, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{} // a slot frees only after its item recorded a failure
		if (failFast && stop.Load()) || ctx.Err() != nil {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			items[i] = run(ctx, i) // each goroutine writes its own element
			if items[i].err != nil {
				stop.Store(true)
			}
		})
	}
	wg.Wait()
	return items
}

// parallelism is how many items of a batch run at once.
func parallelism(parallel bool) int {
	if parallel {
		return batchParallelism
	}
	return 1
}

// withBatch returns a copy of md with the batch's id and the item's index.
func withBatch(md map[string]any, batchID string, index int) map[string]any {
	out := make(map[string]any, len(md)+2)
	maps.Copy(out, md)
	out["batch_id"], out["batch_index"] = batchID, index
	return out
}

// itemKey derives an item's idempotency key from the batch's, so that a
// retried batch creates no job twice.
func itemKey(batchKey string, i int) string {
	if batchKey == "" {
		return ""
	}
	return batchKey + "#" + strconv.Itoa(i)
}

// batchRequests runs the sync-request form of a batch.
func (s *Server) batchRequests(ctx context.Context, rec *batchRecord, b *BatchRequest, idemKey string) {
	rec.items = runBatch(ctx, len(b.Requests), parallelism(b.Parallel), b.FailFast, func(ctx context.Context, i int) batchItem {
		prefix := fmt.Sprintf("body.requests[%d]", i)
		r := b.Requests[i]
		r.Metadata = withBatch(r.Metadata, rec.id, i)
		req, err := s.syncRequest(ctx, r, itemKey(idemKey, i))
		if err != nil {
			return batchItem{err: s.itemError(ctx, i, err, prefix)}
		}
		j, err := s.generateJob(ctx, req)
		if err != nil {
			return batchItem{err: s.itemError(ctx, i, err, prefix)}
		}
		return batchItem{job: j}
	})
}

// batchPlan computes the plan form of a batch and, unless preview_only,
// creates one scheduled job per slot.
func (s *Server) batchPlan(ctx context.Context, rec *batchRecord, b *BatchRequest, idemKey string) error {
	if b.DocumentID == "" && !b.PreviewOnly {
		return invalid("document_id", "a plan needs the document_id its items publish")
	}
	if b.Count < 1 {
		return invalid("count", "a plan needs a count of at least 1")
	}
	if _, err := content.ParseTemplate(b.TemplateStyle); err != nil {
		return invalid("template_style", "%v", err)
	}
	// Jobs report channels as the request spelled them.
	spelled := map[content.Channel]string{}
	names := b.Channels
	if len(names) == 0 {
		for _, c := range content.Channels() {
			names = append(names, string(c))
		}
	}
	for i, name := range names {
		c, err := content.ParseChannel(name)
		if err != nil {
			return invalid("channels["+strconv.Itoa(i)+"]", "%v", err)
		}
		if _, ok := spelled[c]; !ok {
			spelled[c] = name
		}
	}
	tz := b.Timezone
	if tz == "" && s.cfg.Location != time.Local {
		tz = s.cfg.Location.String()
	}
	start := s.now()
	if b.Start != "" {
		var err error
		now := start
		if start, err = parseScheduleTime(b.Start, s.cfg.Location, start); err != nil {
			return invalid("start", "%v", err)
		}
		if start.Before(now.Add(-time.Minute)) {
			// A plan over the past would publish every slot at once.
			return invalid("start", "%s is in the past", start.UTC().Format(time.RFC3339))
		}
	}
	plan, err := schedule.Plan(schedule.PlanRequest{
		Period: schedule.Period(b.Period), Start: start, TimeZone: tz, Channels: names, Count: b.Count,
		Template: b.TemplateStyle, TemplateVariety: b.TemplateVariety,
	})
	if err != nil {
		field := "period"
		if errors.Is(err, schedule.ErrUnknownTimeZone) {
			field = "timezone"
		}
		return invalid(field, "%v", err)
	}
	if tz == "" {
		tz = "UTC"
	}
	pb := &PlanBody{Period: string(plan.Period), Timezone: tz, Start: plan.Start.UTC(), End: plan.End.UTC(), Slots: make([]SlotBody, len(plan.Slots))}
	for i, sl := range plan.Slots {
		pb.Slots[i] = SlotBody{At: sl.At.UTC(), Channel: spelled[sl.Channel], Item: sl.Item, Title: sl.Title, Template: string(sl.Template)}
	}
	if b.PreviewOnly {
		rec.plan = pb
		return nil
	}
	rec.items = runBatch(ctx, len(plan.Slots), parallelism(b.Parallel), b.FailFast, func(ctx context.Context, i int) batchItem {
		sl := plan.Slots[i]
		req := halcytone.Request{
			DocumentID: b.DocumentID, Channels: []string{spelled[sl.Channel]}, Template: sl.Template,
			DryRun: b.DryRun, PublishAt: sl.At,
			Metadata: map[string]any{"batch_id": rec.id, "batch_index": i, "batch_item": sl.Item, "planned_at": sl.At.UTC().Format(time.RFC3339)},
			// Every slot publishes the same document again: each job gets
			// its own delivery keys instead of being skipped as a repeat.
			Force:         true,
			CorrelationID: correlationID(ctx), IdempotencyKey: itemKey(idemKey, i), Author: author(ctx),
		}
		j, err := s.generateJob(ctx, req)
		if err != nil {
			return batchItem{err: s.itemError(ctx, i, err, "body")}
		}
		return batchItem{job: j}
	})
	for i, it := range rec.items {
		if it.job != nil {
			pb.Slots[i].JobID = it.job.ID
		}
	}
	rec.plan = pb
	return nil
}

func (s *Server) registerBatch() {
	batches := newBatchStore(maxBatches) // this Server's memory of its batches

	type batchOutput struct {
		Status int
		Body   BatchBody
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "batch-generate", Method: http.MethodPost, Path: "/api/v2/batch/generate", Tags: []string{"batches"},
		Summary: "Create jobs for up to 100 sync requests, or for a publishing plan spread over a day, week or month",
		Description: "Give either requests (each as POST /api/v2/content/sync takes it) or period with count, channels and document_id. " +
			"202 when at least one job was created, else 200; items that fail are listed in errors and do not fail the batch.",
		DefaultStatus: http.StatusAccepted,
	}, func(ctx context.Context, in *struct {
		IdempotencyKey string `header:"Idempotency-Key" maxLength:"200"`
		Body           BatchRequest
	}) (*batchOutput, error) {
		b := &in.Body
		switch {
		case len(b.Requests) > 0 && b.Period != "":
			return nil, invalid("period", "give either requests or period, not both")
		case len(b.Requests) == 0 && b.Period == "":
			return nil, invalid("requests", "give requests (1 to %d sync requests) or a period to plan", MaxBatchItems)
		case len(b.Requests) > MaxBatchItems:
			return nil, invalid("requests", "%d requests exceed the limit of %d per batch", len(b.Requests), MaxBatchItems)
		}
		rec := &batchRecord{id: newBatchID(), createdAt: s.now().UTC()}
		if len(b.Requests) > 0 {
			s.batchRequests(ctx, rec, b, in.IdempotencyKey)
		} else if err := s.batchPlan(ctx, rec, b, in.IdempotencyKey); err != nil {
			return nil, err
		}
		batches.put(rec)
		out := rec.body(nil)
		status := http.StatusOK
		if out.Successful > 0 {
			status = http.StatusAccepted
		}
		return &batchOutput{Status: status, Body: out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-batch", Method: http.MethodGet, Path: "/api/v2/batch/{batch_id}", Tags: []string{"batches"},
		Summary: "A batch with its jobs as they are now",
		Description: "Batches are kept in this server's memory: the most recent " + strconv.Itoa(maxBatches) +
			", until it restarts.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *struct {
		BatchID string `path:"batch_id" maxLength:"128"`
	}) (*struct{ Body BatchBody }, error) {
		rec, ok := batches.get(in.BatchID)
		if !ok {
			return nil, huma.Error404NotFound(fmt.Sprintf("no batch %q (batches are kept in memory, the most recent %d)", in.BatchID, maxBatches))
		}
		out := rec.body(func(j *store.Job) *store.Job {
			if cur, err := s.engine.Job(ctx, j.ID); err == nil {
				return cur
			}
			return j
		})
		return &struct{ Body BatchBody }{out}, nil
	})
}
