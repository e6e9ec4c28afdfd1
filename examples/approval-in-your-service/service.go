package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// userHeader names the signed-in user. It stands for your service's own
// authentication: the Engine trusts the reviewer and author it is given.
const userHeader = "X-User"

// maxBody bounds a request body.
const maxBody = 1 << 20

// directory is who may review what: Erin edits, Mark does marketing. Ada
// is an editor too, but she writes the article, and the policy's level 2
// does not let authors approve their own work.
func directory() approval.StaticDirectory {
	return approval.StaticDirectory{"erin": {"editor"}, "mark": {"marketing"}, "ada": {"editor"}}
}

// article is the service's own record of an article; the Engine keeps the
// job, the approval and the delivery.
type article struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Author     string `json:"author"`
	JobID      string `json:"job_id"`
	ApprovalID string `json:"approval_id"`
}

// articleView is what the service answers about an article.
type articleView struct {
	article
	Status     store.JobStatus        `json:"status"`
	Approval   *store.ApprovalRequest `json:"approval,omitempty"`
	Deliveries []store.Delivery       `json:"deliveries"`
}

// service is an existing net/http service with its own routes, that
// embeds a Halcytone Engine on SQLite with a River queue in the same file:
//
//	POST /articles                {"title", "body"} → 201 the article, awaiting approval
//	GET  /articles/{id}           → the article, its approval with the audit trail, its deliveries
//	POST /articles/{id}/approve   {"comment"}       → the article after the decision
//	POST /articles/{id}/reject    {"comment"}       → the article after the decision
//
// Articles are blogs, which the default policy sends to level 2: an
// editor and someone from marketing must both approve. The website
// publisher is a mock.RecordingPublisher, so deliveries stay in memory.
type service struct {
	eng   *halcytone.Engine
	st    *sqlite.Store
	queue *schedule.RiverQueue
	web   *mock.RecordingPublisher
	mux   *http.ServeMux
	stop  context.CancelFunc

	mu       sync.Mutex
	articles map[string]*article
	seq      int
}

// newService opens the store in dir, starts the queue and wires the
// Engine and the routes. Close releases them.
func newService(ctx context.Context, dir string) (*service, error) {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "halcytone.db"))
	if err != nil {
		return nil, err
	}
	s := &service{st: st, web: mock.NewRecordingPublisher("website", content.ChannelWebsite), articles: map[string]*article{}}
	s.queue, err = schedule.NewSQLite(ctx, st.DB(), schedule.Config{
		Worker: schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error {
			return s.eng.Work(ctx, j, attempt)
		}),
		Workers:           4,
		FetchPollInterval: 100 * time.Millisecond, // SQLite has no insert notifications: poll often
	})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	s.eng, err = halcytone.New(halcytone.Config{
		Store: st, Sources: source.NewRegistry(), Queue: s.queue,
		Publishers: []publish.Publisher{s.web},
		Gate:       &approval.Gate{Policy: approval.DefaultPolicy(), Directory: directory()},
	})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	qctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	if err := s.queue.Start(qctx); err != nil {
		stop()
		_ = st.Close()
		return nil, err
	}
	s.stop = stop

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /articles", s.create)
	s.mux.HandleFunc("GET /articles/{id}", s.show)
	s.mux.HandleFunc("POST /articles/{id}/approve", s.decide(approval.Approve))
	s.mux.HandleFunc("POST /articles/{id}/reject", s.decide(approval.Reject))
	return s, nil
}

// ServeHTTP serves the service's routes.
func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops the queue, letting running deliveries finish for up to ten
// seconds, and closes the store.
func (s *service) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.queue.Stop(ctx)
	s.stop()
	return errors.Join(err, s.st.Close())
}

func (s *service) create(w http.ResponseWriter, r *http.Request) {
	user := r.Header.Get(userHeader)
	if user == "" {
		writeError(w, http.StatusUnauthorized, errors.New("sign in: no "+userHeader+" header"))
		return
	}
	var in struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	blog := &content.Blog{Base: content.Base{Title: in.Title, Body: in.Body, Author: user}}
	res, err := s.eng.Generate(r.Context(), halcytone.Request{Content: blog, Channels: []string{"website"}, Author: user})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	if res.Status == halcytone.StatusValidationFailed {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "the article is not valid", "issues": res.Report.Issues})
		return
	}
	a := &article{Title: in.Title, Author: user, JobID: res.Job.ID}
	if res.Job.Approval != nil {
		a.ApprovalID = res.Job.Approval.RequestID
	}
	s.mu.Lock()
	s.seq++
	a.ID = "art-" + strconv.Itoa(s.seq)
	s.articles[a.ID] = a
	s.mu.Unlock()
	s.answer(w, r, http.StatusCreated, a)
}

func (s *service) show(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no article %q", r.PathValue("id")))
		return
	}
	s.answer(w, r, http.StatusOK, a)
}

// decide records the signed-in user's decision on an article.
func (s *service) decide(decision string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get(userHeader)
		if user == "" {
			writeError(w, http.StatusUnauthorized, errors.New("sign in: no "+userHeader+" header"))
			return
		}
		a, ok := s.article(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Errorf("no article %q", r.PathValue("id")))
			return
		}
		var in struct {
			Comment string `json:"comment"`
		}
		if r.ContentLength != 0 && !readJSON(w, r, &in) {
			return
		}
		_, err := s.eng.Decide(r.Context(), a.ApprovalID, approval.DecisionInput{Reviewer: user, Decision: decision, Comment: in.Comment})
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		s.answer(w, r, http.StatusOK, a)
	}
}

func (s *service) article(id string) (*article, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.articles[id]
	return a, ok
}

// answer writes the article with its job status, approval and deliveries.
func (s *service) answer(w http.ResponseWriter, r *http.Request, status int, a *article) {
	ctx := r.Context()
	v := articleView{article: *a}
	job, err := s.eng.Job(ctx, a.JobID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	v.Status = job.Status
	if a.ApprovalID != "" {
		if v.Approval, err = s.eng.Store().GetApproval(ctx, a.ApprovalID); err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
	}
	if v.Deliveries, err = s.eng.Store().ListDeliveries(ctx, a.JobID); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, status, v)
}

// statusOf maps the Engine's and the approval gate's errors onto HTTP.
func statusOf(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, approval.ErrSelfApproval), errors.Is(err, approval.ErrNotAllowed):
		return http.StatusForbidden
	case errors.Is(err, approval.ErrFinished), errors.Is(err, approval.ErrDuplicate),
		errors.Is(err, approval.ErrStaleContent), errors.Is(err, approval.ErrAwaitingChanges):
		return http.StatusConflict
	case errors.Is(err, approval.ErrInvalidDecision), content.ClassOf(err) == content.InvalidContent:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("request body: %w", err))
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
