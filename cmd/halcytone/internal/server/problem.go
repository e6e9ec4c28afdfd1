package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// problemType is the content type of every error body (RFC 9457).
const problemType = "application/problem+json"

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	ct := "application/json"
	if err != nil {
		status, ct = http.StatusInternalServerError, problemType
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"response encoding failed"}`)
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeProblem writes an RFC 9457 problem with a human-readable detail,
// outside huma (middleware, raw handlers).
func (s *Server) writeProblem(w http.ResponseWriter, _ *http.Request, status int, detail string, errs ...*huma.ErrorDetail) {
	p := &huma.ErrorModel{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: errs,
	}
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", problemType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// problemOf maps a library error to the status, detail and field at
// fault of its problem.
func problemOf(err error) (status int, detail, field string, retryAfter int) {
	var ce *content.Error
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, err.Error(), "", 0
	case errors.Is(err, halcytone.ErrJobFinished), errors.Is(err, store.ErrConflict):
		return http.StatusConflict, err.Error(), "", 0
	case errors.Is(err, approval.ErrSelfApproval), errors.Is(err, approval.ErrNotAllowed):
		return http.StatusForbidden, err.Error(), "reviewer", 0
	case errors.Is(err, approval.ErrStaleContent):
		return http.StatusConflict, err.Error(), "content_hash", 0
	case errors.Is(err, approval.ErrFinished), errors.Is(err, approval.ErrDuplicate), errors.Is(err, approval.ErrAwaitingChanges):
		return http.StatusConflict, err.Error(), "", 0
	case errors.Is(err, approval.ErrInvalidDecision):
		return http.StatusUnprocessableEntity, err.Error(), "decision", 0
	case errors.Is(err, source.ErrUnknownScheme), errors.Is(err, source.ErrRefused):
		return http.StatusUnprocessableEntity, err.Error(), "document_id", 0
	case errors.Is(err, source.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, err.Error(), "document_id", 0
	case errors.Is(err, source.ErrEmpty), errors.Is(err, source.ErrInvalidEncoding), errors.Is(err, source.ErrMalformed):
		return http.StatusUnprocessableEntity, err.Error(), "document", 0
	case (errors.Is(err, content.ErrInvalidJSON) || errors.Is(err, content.ErrUnknownValue)) && !errors.As(err, &ce):
		return http.StatusUnprocessableEntity, err.Error(), "", 0
	case errors.Is(err, store.ErrInvalid):
		return http.StatusUnprocessableEntity, err.Error(), "", 0
	case errors.As(err, &ce):
		switch ce.Class {
		case content.InvalidContent:
			return http.StatusUnprocessableEntity, err.Error(), ce.Field, 0
		case content.NotFound:
			return http.StatusNotFound, err.Error(), ce.Field, 0
		case content.RateLimited:
			secs := int(ce.RetryAfter.Seconds() + 0.999)
			return http.StatusTooManyRequests, err.Error(), "", max(secs, 1)
		case content.AuthExpired:
			return http.StatusBadGateway, "upstream credentials expired: " + err.Error(), "", 0
		case content.Retryable, content.OutcomeUnknown:
			return http.StatusServiceUnavailable, err.Error(), "", 0
		default:
			return http.StatusBadGateway, err.Error(), "", 0
		}
	}
	return http.StatusInternalServerError, "internal error", "", 0
}

// internalError is the 500 of an error the taxonomy does not know: the
// client reads "internal error", and the cause is logged (see
// logInternal), never sent.
type internalError struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	cause  error
}

func (e *internalError) Error() string { return "internal error: " + e.cause.Error() }

// GetStatus implements huma.StatusError.
func (e *internalError) GetStatus() int { return http.StatusInternalServerError }

// ContentType implements huma.ContentTypeFilter.
func (e *internalError) ContentType(string) string { return problemType }

// problemDefaults is a huma transformer that gives every problem huma
// writes (its own validation errors and the handlers' errors) the "type"
// API.md lists: "about:blank", the RFC 9457 default, which names no
// further documentation than the status.
func problemDefaults(_ huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*huma.ErrorModel); ok && e.Type == "" {
		e.Type = "about:blank"
	}
	return v, nil
}

// logInternal is a huma transformer that logs the cause of each 500.
func (s *Server) logInternal(ctx huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*internalError); ok {
		s.log.ErrorContext(ctx.Context(), "internal error", "method", ctx.Method(), "path", ctx.URL().Path, "err", e.cause)
	}
	return v, nil
}

// apiError turns a library error into the huma error its handler returns.
func apiError(err error) error {
	status, detail, field, retryAfter := problemOf(err)
	if status == http.StatusInternalServerError {
		return &internalError{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, cause: err}
	}
	var errs []error
	if field != "" {
		errs = append(errs, &huma.ErrorDetail{Location: "body." + field, Message: detail})
	}
	e := huma.NewError(status, detail, errs...)
	if retryAfter > 0 {
		h := http.Header{}
		h.Set("Retry-After", strconv.Itoa(retryAfter))
		return huma.ErrorWithHeaders(e, h)
	}
	return e
}

// invalid is a 422 naming the field at fault.
func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	loc := field
	if !strings.Contains(loc, ".") {
		loc = "body." + field
	}
	return huma.Error422UnprocessableEntity(msg, &huma.ErrorDetail{Location: loc, Message: msg})
}
