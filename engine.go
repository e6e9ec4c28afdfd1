package halcytone

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// Errors of the Engine, for errors.Is. Request errors are *content.Error
// values of class InvalidContent naming the field at fault.
var (
	// ErrJobFinished means the job is already in a final state (cancel) or
	// not in a retryable one (retry).
	ErrJobFinished = errors.New("halcytone: job finished")
	// ErrNoPublisher means no publisher is configured for a channel.
	ErrNoPublisher = errors.New("halcytone: no publisher for channel")
	// ErrOutbox wraps an error of Config.Outbox: the change it was given
	// the events of was rolled back.
	ErrOutbox = errors.New("halcytone: outbox")
)

// Config wires an Engine. Store, Sources and Queue are required; the rest
// have defaults.
type Config struct {
	Store      store.Store
	Sources    source.Source       // resolves document references, usually a *source.Registry
	Queue      schedule.Queue      // durable delivery queue; Engine.Work must be its worker
	Publishers []publish.Publisher // one per channel; a channel without one is skipped
	Assembler  content.Assembler   // nil: content.NewAssembler()
	Validator  content.Validator   // nil: content.NewValidator() with Now
	Gate       *approval.Gate      // nil: the default policy with no directory
	Now        func() time.Time    // nil: time.Now
	Logger     *slog.Logger        // nil: discard
	// Tracer makes the spans of each step: fetch, assemble, validate,
	// approve and enqueue (publishers trace their own). nil: no spans.
	Tracer trace.Tracer
	// Observer is told each fetch and generation, for metrics; nil: none.
	// *telemetry.Metrics is one.
	Observer Observer
	// EventBuffer is each subscriber's buffer; a subscriber that falls this
	// far behind is dropped (its channel closed). 0 means 256.
	EventBuffer int
	// Outbox, when set, is given the events of each of the engine's
	// transactions inside that transaction, before it commits: what it
	// writes through tx commits with the change the events announce, or
	// not at all, even across a crash (a transactional outbox). An error
	// rolls the change back, and the operation returns it wrapped.
	// Subscribers get the same events once the transaction commits.
	Outbox func(ctx context.Context, tx store.Tx, events []Event) error
}

// Engine runs documents through fetch, assembly, validation, approval,
// the durable queue and the publishers, and records every step in the
// store. It is safe for concurrent use.
type Engine struct {
	store      store.Store
	sources    source.Source
	queue      schedule.Queue
	publishers map[content.Channel]publish.Publisher
	assembler  content.Assembler
	validator  content.Validator
	gate       *approval.Gate
	now        func() time.Time
	log        *slog.Logger
	events     *broker
	tracer     trace.Tracer
	observer   Observer
	outbox     func(context.Context, store.Tx, []Event) error

	jobsVersion atomic.Uint64 // see JobsVersion
	// reconcilePage is the page of unfinished jobs the next Reconcile
	// looks at; each call takes the next, so that all are seen in turn.
	reconcilePage atomic.Int64
}

// Observer is told the outcome of the engine's steps, for metrics.
type Observer interface {
	// ObserveFetch counts one fetch of a source reference: source is the
	// reference's scheme ("sample", "gdocs", ...), status "ok" or the
	// error's class.
	ObserveFetch(source, status string)
	// ObserveGeneration counts one Preview or Generate: status is the
	// Result's Status or "error".
	ObserveGeneration(contentType, status string, d time.Duration)
}

type nopObserver struct{}

func (nopObserver) ObserveFetch(string, string)                     {}
func (nopObserver) ObserveGeneration(string, string, time.Duration) {}

// New returns an Engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Sources == nil || cfg.Queue == nil {
		return nil, errors.New("halcytone: Config needs a Store, Sources and a Queue")
	}
	e := &Engine{
		sources:    cfg.Sources,
		queue:      cfg.Queue,
		publishers: map[content.Channel]publish.Publisher{},
		assembler:  cfg.Assembler,
		validator:  cfg.Validator,
		gate:       cfg.Gate,
		now:        cfg.Now,
		log:        cfg.Logger,
		events:     newBroker(cfg.EventBuffer),
		tracer:     cfg.Tracer,
		observer:   cfg.Observer,
		outbox:     cfg.Outbox,
	}
	e.store = versionedStore{Store: cfg.Store, version: &e.jobsVersion}
	if e.tracer == nil {
		e.tracer = noop.NewTracerProvider().Tracer("")
	}
	if e.observer == nil {
		e.observer = nopObserver{}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.assembler == nil {
		e.assembler = content.NewAssembler()
	}
	if e.validator == nil {
		e.validator = &content.DefaultValidator{Now: e.now}
	}
	if e.gate == nil {
		e.gate = &approval.Gate{Policy: approval.DefaultPolicy(), Now: e.now}
	}
	for _, p := range cfg.Publishers {
		if _, dup := e.publishers[p.Channel()]; dup {
			return nil, fmt.Errorf("halcytone: two publishers for channel %s", p.Channel())
		}
		e.publishers[p.Channel()] = p
	}
	return e, nil
}

// Store returns the engine's store; job writes through it change
// JobsVersion.
func (e *Engine) Store() store.Store { return e.store }

// newID returns a random identifier with the given prefix.
func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

// Event is something that happened to a job, an approval or a delivery.
type Event struct {
	Type     string                 `json:"type"` // see the Event* constants
	Job      *store.Job             `json:"job,omitempty"`
	Approval *store.ApprovalRequest `json:"approval,omitempty"`
	Delivery *store.Delivery        `json:"delivery,omitempty"`
	At       time.Time              `json:"timestamp"`
}

// The event types.
const (
	EventJobCreated        = "job_created"
	EventJobUpdate         = "job_update"
	EventJobStatusChange   = "job_status_change"
	EventJobCompleted      = "job_completed"
	EventJobFailed         = "job_failed"
	EventApprovalRequested = approval.EventRequested
	EventApprovalDecided   = approval.EventDecided
	EventApprovalEscalated = approval.EventEscalated
	EventDeliverySucceeded = "delivery.succeeded"
	EventDeliveryFailed    = "delivery.failed"
)

// Subscribe returns a channel of every event from now on until ctx ends.
// The channel is buffered (Config.EventBuffer); a subscriber that falls
// that far behind is dropped and its channel closed, so that the engine
// never waits for a reader.
func (e *Engine) Subscribe(ctx context.Context) <-chan Event {
	return e.events.subscribe(ctx)
}

// broker fans events out to subscribers without ever blocking.
type broker struct {
	size int
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func newBroker(size int) *broker {
	if size <= 0 {
		size = 256
	}
	return &broker{size: size, subs: map[chan Event]struct{}{}}
}

func (b *broker) subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, b.size)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { b.drop(ch) })
	return ch
}

func (b *broker) drop(ch chan Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

func (b *broker) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default: // too slow: drop the subscriber rather than wait
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// event returns an event of type typ that happens now.
func (e *Engine) event(typ string, j *store.Job, a *store.ApprovalRequest, d *store.Delivery) Event {
	return Event{Type: typ, Job: j, Approval: a, Delivery: d, At: e.now().UTC()}
}

// withApproval appends to events one event per approval event of evs,
// about job.
func (e *Engine) withApproval(events []Event, job *store.Job, evs []approval.Event) []Event {
	for _, ev := range evs {
		events = append(events, e.event(ev.Type, job, ev.Request, nil))
	}
	return events
}

// inTx runs fn in one transaction and hands the events it returns to
// Config.Outbox inside that transaction; once it commits, they go to the
// subscribers. fn may run with events it does not return (an error).
func (e *Engine) inTx(ctx context.Context, fn func(tx store.Tx) ([]Event, error)) error {
	var events []Event
	err := e.store.InTx(ctx, func(tx store.Tx) error {
		evs, err := fn(tx)
		if err != nil {
			return err
		}
		if e.outbox != nil && len(evs) > 0 {
			if err := e.outbox(ctx, tx, evs); err != nil {
				return fmt.Errorf("%w: %w", ErrOutbox, err)
			}
		}
		events = evs
		return nil
	})
	if err != nil {
		return err
	}
	for _, ev := range events {
		e.events.publish(ev)
	}
	return nil
}

// span starts the span of one step; end records err on it and ends it.
func (e *Engine) span(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(error)) {
	ctx, sp := e.tracer.Start(ctx, "halcytone."+name, trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			sp.RecordError(err)
			sp.SetStatus(codes.Error, err.Error())
			sp.SetAttributes(attribute.String("halcytone.error_class", string(content.ClassOf(err))))
		}
		sp.End()
	}
}
