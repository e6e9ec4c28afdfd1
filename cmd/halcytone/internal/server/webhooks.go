package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/store"
)

// The events an outgoing webhook endpoint subscribes to.
const (
	WebhookJobCompleted      = "job.completed"
	WebhookJobFailed         = "job.failed" // failed or partial
	WebhookApprovalRequested = "approval.requested"
	WebhookApprovalDecided   = "approval.decided"
	WebhookDeliverySucceeded = "delivery.succeeded"
	WebhookDeliveryFailed    = "delivery.failed"
)

// webhookEventNames lists the events, for messages.
const webhookEventNames = "job.completed, job.failed, approval.requested, approval.decided, delivery.succeeded, delivery.failed"

func validWebhookEvent(e string) bool {
	switch e {
	case WebhookJobCompleted, WebhookJobFailed, WebhookApprovalRequested, WebhookApprovalDecided,
		WebhookDeliverySucceeded, WebhookDeliveryFailed:
		return true
	}
	return false
}

// webhookResolveTimeout bounds the name resolution of a URL checked at
// registration.
const webhookResolveTimeout = 3 * time.Second

// SetWebhookAllowPrivate lets outgoing webhooks reach loopback and private
// addresses, over http or https on any port: for tests and the mock
// command only. By default endpoints must be https on port 443 (or 80)
// of a public address, checked at registration and again on every
// connection (source.Guard).
func (s *Server) SetWebhookAllowPrivate(allow bool) {
	d := s.addons().hooks
	d.mu.Lock()
	d.allowPrivate = allow
	d.mu.Unlock()
}

// WebhookRequest is the body of POST /api/v2/webhooks.
type WebhookRequest struct {
	URL    string   `json:"url" minLength:"1" maxLength:"2048" doc:"https URL of a public address"`
	Events []string `json:"events" minItems:"1" maxItems:"16" doc:"job.completed, job.failed, approval.requested, approval.decided, delivery.succeeded, delivery.failed"`
}

// WebhookBody is an endpoint on the wire, without its secret.
type WebhookBody struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookCreatedBody is the answer of a registration: the endpoint and
// its signing secret, which is shown this once.
type WebhookCreatedBody struct {
	WebhookBody
	Secret string `json:"secret" doc:"whsec_<base64>: verifies the webhook-signature header; shown only once"`
}

// WebhookDeliveryBody is one delivery on the wire.
type WebhookDeliveryBody struct {
	ID           string    `json:"id"`
	Event        string    `json:"event"`
	Status       string    `json:"status" enum:"pending,delivered,failed"`
	Attempts     int       `json:"attempts"`
	ResponseCode int       `json:"response_code,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func webhookBodyOf(w *store.Webhook) WebhookBody {
	return WebhookBody{ID: w.ID, URL: w.URL, Events: nonNil(w.Events), Disabled: w.Disabled, CreatedAt: w.CreatedAt.UTC()}
}

// webhookRandomID returns prefix and 16 random bytes in hex.
func webhookRandomID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Server) registerWebhooks() {
	d := newWebhookDispatcher(s)
	s.addons().hooks = d

	huma.Register(s.api, huma.Operation{
		OperationID: "create-webhook", Method: http.MethodPost, Path: "/api/v2/webhooks", Tags: []string{"webhooks"},
		Summary: "Register an outgoing webhook endpoint",
		Description: "Deliveries follow Standard Webhooks 1.0 (webhook-id, webhook-timestamp, webhook-signature v1,<base64 HMAC-SHA256>) " +
			"and are retried with exponential backoff for about three days; an endpoint answering 410 is disabled. " +
			"The URL must be https on a public address. The secret is returned once.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body WebhookRequest }) (*struct {
		Status int
		Body   WebhookCreatedBody
	}, error) {
		u, err := d.checkURL(ctx, in.Body.URL)
		if err != nil {
			return nil, invalid("url", "%v", err)
		}
		var events []string
		for i, e := range in.Body.Events {
			if !validWebhookEvent(e) {
				return nil, invalid(fmt.Sprintf("events[%d]", i), "unknown event %q (want %s)", e, webhookEventNames)
			}
			if !slices.Contains(events, e) {
				events = append(events, e)
			}
		}
		w := &store.Webhook{ID: webhookRandomID("wh_"), URL: u.String(), Events: events, Secret: newWebhookSecret(), CreatedAt: s.now().UTC()}
		if err := s.store.CreateWebhook(ctx, w); err != nil {
			return nil, apiError(err)
		}
		return &struct {
			Status int
			Body   WebhookCreatedBody
		}{http.StatusCreated, WebhookCreatedBody{WebhookBody: webhookBodyOf(w), Secret: w.Secret}}, nil
	})

	type listBody struct {
		Webhooks []WebhookBody `json:"webhooks"`
		Total    int           `json:"total"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-webhooks", Method: http.MethodGet, Path: "/api/v2/webhooks", Tags: []string{"webhooks"},
		Summary: "List the outgoing webhook endpoints (without secrets)",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body listBody }, error) {
		ws, err := s.store.ListWebhooks(ctx, "")
		if err != nil {
			return nil, apiError(err)
		}
		out := listBody{Webhooks: make([]WebhookBody, 0, len(ws)), Total: len(ws)}
		for i := range ws {
			out.Webhooks = append(out.Webhooks, webhookBodyOf(&ws[i]))
		}
		return &struct{ Body listBody }{out}, nil
	})

	type idInput struct {
		ID string `path:"id" maxLength:"128"`
	}
	type deletedBody struct {
		Deleted bool   `json:"deleted"`
		ID      string `json:"id"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/api/v2/webhooks/{id}", Tags: []string{"webhooks"},
		Summary: "Remove an endpoint and its deliveries",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *idInput) (*struct{ Body deletedBody }, error) {
		if err := s.store.DeleteWebhook(ctx, in.ID); err != nil {
			return nil, apiError(err)
		}
		// Its queued attempts would find nothing to send; drop them now.
		if _, err := s.cfg.Queue.Cancel(ctx, "webhook:"+in.ID); err != nil {
			s.log.WarnContext(ctx, "webhooks: cancelling the queued attempts of a deleted endpoint", "webhook", in.ID, "err", err)
		}
		return &struct{ Body deletedBody }{deletedBody{Deleted: true, ID: in.ID}}, nil
	})

	type deliveriesInput struct {
		ID    string `path:"id" maxLength:"128"`
		Limit int    `query:"limit" default:"50" minimum:"1" maximum:"500"`
	}
	type deliveriesBody struct {
		Deliveries []WebhookDeliveryBody `json:"deliveries"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/api/v2/webhooks/{id}/deliveries", Tags: []string{"webhooks"},
		Summary: "An endpoint's deliveries, newest first",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *deliveriesInput) (*struct{ Body deliveriesBody }, error) {
		if _, err := s.store.GetWebhook(ctx, in.ID); err != nil {
			return nil, apiError(err)
		}
		ds, err := s.store.ListWebhookDeliveries(ctx, in.ID, in.Limit)
		if err != nil {
			return nil, apiError(err)
		}
		out := deliveriesBody{Deliveries: make([]WebhookDeliveryBody, 0, len(ds))}
		for _, x := range ds {
			out.Deliveries = append(out.Deliveries, WebhookDeliveryBody{ID: x.ID, Event: x.Event, Status: x.Status, Attempts: x.Attempts,
				ResponseCode: x.ResponseCode, LastError: x.LastError, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()})
		}
		return &struct{ Body deliveriesBody }{out}, nil
	})
}

// startWebhooks queues the pending deliveries that have no queue entry
// (webhook_dispatch.go). The engine's outbox (WebhookOutbox) records the
// deliveries, and the queue makes the attempts.
func (s *Server) startWebhooks(ctx context.Context) func() {
	return s.addons().hooks.start(ctx)
}

// checkURL parses an endpoint URL and checks it against the SSRF policy:
// the scheme, port and literal address by the guard, and the addresses a
// host name resolves to now (they are checked again on every connection).
func (d *webhookDispatcher) checkURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q carries credentials", raw)
	}
	u.Fragment = ""
	d.mu.Lock()
	allow := d.allowPrivate
	d.mu.Unlock()
	if allow {
		return u, nil
	}
	if err := d.guard.CheckURL(u); err != nil {
		return nil, err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return u, nil // a literal address, checked above
	}
	rctx, cancel := context.WithTimeout(ctx, webhookResolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return u, nil // unknown now: the connection is checked when made
	}
	for _, ip := range addrs {
		if err := d.guard.CheckAddr(ip); err != nil {
			return nil, fmt.Errorf("%s resolves to a refused address: %w", host, err)
		}
	}
	return u, nil
}
