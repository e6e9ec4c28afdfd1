// Package approval decides who must review a bundle before it is published
// and runs that review.
//
// # Policy
//
// A Policy maps a Subject (what is being published: its type, priority,
// urgency, flags and text) to one of its levels. Each level lists stages,
// each stage the roles that may approve it and how many approvals it needs
// (N of the M reviewers holding those roles); a level runs its stages in
// parallel or one after another, has a deadline, and may allow the author
// to approve (self-approval) or approve at once when validation passed.
// DefaultPolicy encodes Halcytone's four levels; LoadPolicy and ParsePolicy
// read a policy from JSON or YAML, refusing unknown keys. Policy.Level and
// Policy.Plan are pure functions.
//
// # Gate
//
// Gate runs the review on a store.Queries, so that the engine can open a
// request inside the transaction that creates its job. Guarantees:
//
//   - A request is pinned to one content hash: a decision that names
//     another hash is refused with ErrStaleContent, and Reset (the content
//     changed) clears every approval.
//   - The author never decides on their own content unless the level allows
//     self-approval (ErrSelfApproval); a reviewer must hold a role of a stage
//     that is open (ErrNotAllowed); a reviewer counts once per stage.
//   - Approved and rejected requests are final (ErrFinished).
//   - Every decision, state change and escalation is appended to the
//     request's audit trail with who, when (from Gate.Now) and why, in the
//     same atomic update that makes the change.
//   - Escalation happens at most once per cause: a request past its
//     deadline is escalated once (Escalate is idempotent), and crossing the
//     change-round limit escalates once.
//
// Stages, roles and required counts are copied into the request when it
// opens; the level's stage order and self-approval rule are read from the
// Gate's policy at each decision, so that a tightened policy applies to
// requests already open.
//
// Gate methods return the Events the engine should publish; they never
// block and keep no state between calls, so a Gate is safe for concurrent
// use.
package approval
