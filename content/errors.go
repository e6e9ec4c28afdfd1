package content

import (
	"errors"
	"fmt"
	"time"
)

// ErrorClass is the closed taxonomy of failures that sources and publishers
// report. It tells callers what to do next: back off, wait, re-authenticate,
// fix the content, reconcile, or give up.
type ErrorClass string

// The error classes.
const (
	// Retryable is transient: back off and try again.
	Retryable ErrorClass = "retryable"
	// RateLimited means the remote asked us to wait RetryAfter.
	RateLimited ErrorClass = "rate_limited"
	// AuthExpired means the credentials were refused or expired: stop and
	// re-authenticate; retrying cannot help.
	AuthExpired ErrorClass = "auth_expired"
	// InvalidContent means the input was refused (Field says which part);
	// never retry it unchanged.
	InvalidContent ErrorClass = "invalid_content"
	// OutcomeUnknown means a request may have taken effect (a timeout after
	// sending): reconcile before any resend.
	OutcomeUnknown ErrorClass = "outcome_unknown"
	// NotFound means the document, post or account does not exist.
	NotFound ErrorClass = "not_found"
	// Permanent is any other failure that retrying will not fix.
	Permanent ErrorClass = "permanent"
)

// Error is a classified failure. Reach it with errors.As, or ask for the
// class with ClassOf.
type Error struct {
	Class      ErrorClass
	Op         string        // what failed, such as "gdocs: documents.get"
	Field      string        // for InvalidContent: the field at fault
	RetryAfter time.Duration // for RateLimited: how long to wait; 0 if unknown
	Err        error         // the underlying error, if any
}

// Error formats the failure as "op: class: cause".
func (e *Error) Error() string {
	msg := e.Op
	if msg != "" {
		msg += ": "
	}
	msg += string(e.Class)
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same class, so that
// errors.Is(err, &content.Error{Class: content.RateLimited}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Class == e.Class && t.Op == "" && t.Err == nil
}

// Errorf returns an *Error of class c for operation op, wrapping the error
// formatted from format and args (use %w to wrap a cause).
func Errorf(c ErrorClass, op, format string, args ...any) *Error {
	return &Error{Class: c, Op: op, Err: fmt.Errorf(format, args...)}
}

// ClassOf returns the class of the first *Error in err's chain, Permanent
// for any other non-nil error, and "" for nil.
func ClassOf(err error) ErrorClass {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Permanent
}

// IsRetryable reports whether err may succeed if tried again later
// (Retryable or RateLimited).
func IsRetryable(err error) bool {
	c := ClassOf(err)
	return c == Retryable || c == RateLimited
}
