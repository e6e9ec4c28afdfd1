package approval

import "errors"

// Sentinel errors of Gate, for errors.Is. Lookups of a missing request
// return the store's error, which wraps store.ErrNotFound (404).
var (
	// ErrSelfApproval means the reviewer wrote the content and the level
	// does not allow self-approval (HTTP 403).
	ErrSelfApproval = errors.New("approval: reviewers may not decide on their own content")
	// ErrNotAllowed means the reviewer holds no role of an open stage
	// (HTTP 403).
	ErrNotAllowed = errors.New("approval: reviewer not allowed")
	// ErrStaleContent means the decision names another content hash than
	// the request's: the content changed since the review started (HTTP
	// 409).
	ErrStaleContent = errors.New("approval: content changed since the review started")
	// ErrFinished means the request is already approved or rejected (HTTP
	// 409).
	ErrFinished = errors.New("approval: request already finished")
	// ErrDuplicate means the reviewer already approved every open stage
	// they may approve (HTTP 409).
	ErrDuplicate = errors.New("approval: reviewer already approved")
	// ErrAwaitingChanges means changes were requested and the request waits
	// for a new version (Reset) before it takes approvals (HTTP 409).
	ErrAwaitingChanges = errors.New("approval: changes requested, waiting for a new version")
	// ErrInvalidDecision means the decision input is malformed: an unknown
	// decision, no reviewer, no content hash, or a reject or change request
	// without a comment (HTTP 422).
	ErrInvalidDecision = errors.New("approval: invalid decision")
)
