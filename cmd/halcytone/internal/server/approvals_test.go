package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
)

// blogDoc is a living document whose only item is a blog post: the
// default policy sends it to level 2 (editorial and marketing, in
// parallel).
const blogDoc = "# News\n\n## [Tips] Tips\n\n### The science of the long exhale\n<!-- type: blog -->\n\n" +
	"Breathe in for four counts and out for six, for ten rounds, and notice how the exhale slows you down.\n"

// levelTwoJob creates a job from a blog document with key and returns its
// job id and approval request id.
func levelTwoJob(t *testing.T, ts *testServer, key string) (jobID, requestID string) {
	t.Helper()
	ts.Source.AddText("mem:blog", blogDoc, content.FormatMarkdown)
	res := ts.do(t, "POST", "/api/v2/content/sync", key, map[string]any{"document_id": "mem:blog", "channels": []string{"email"}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	var job SyncJob
	res.JSON(t, &job)
	require.Equal(t, "awaiting_approval", string(job.Status))
	require.NotNil(t, job.Approval)
	require.Equal(t, 2, job.Approval.Level)
	require.NotEmpty(t, job.Approval.RequestID)
	return job.JobID, job.Approval.RequestID
}

// decide posts a decision and returns the response.
func decide(t *testing.T, ts *testServer, key, id string, body map[string]any) response {
	t.Helper()
	return ts.do(t, "POST", "/api/v2/approvals/"+id+"/decisions", key, body)
}

func TestApprovalsApproveToCompletion(t *testing.T) {
	ts := newTestServer(t)
	erin := ts.key(t, "erin", 0, ScopeWrite, ScopeApprove, ScopeRead)
	reviewer := ts.key(t, "review-desk", 0, ScopeApprove, ScopeRead)
	jobID, id := levelTwoJob(t, ts, erin)

	list := ts.do(t, "GET", "/api/v2/approvals?state=pending&level=2", reviewer, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	lb := list.JSON(t)
	assert.EqualValues(t, 1, lb["total"])
	require.Len(t, lb["approvals"], 1)
	assert.Equal(t, id, lb["approvals"].([]any)[0].(map[string]any)["id"])
	assert.NotContains(t, string(list.Body), "null")
	none := ts.do(t, "GET", "/api/v2/approvals?state=approved", reviewer, nil)
	require.Equal(t, http.StatusOK, none.Status, "%s", none.Body)
	assert.JSONEq(t, `{"approvals":[],"total":0}`, string(none.Body))

	got := ts.do(t, "GET", "/api/v2/approvals/"+id, reviewer, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	assert.NotContains(t, string(got.Body), "null")
	var a ApprovalBody
	got.JSON(t, &a)
	assert.Equal(t, jobID, a.JobID)
	assert.Equal(t, 2, a.Level)
	assert.Equal(t, "pending", a.State)
	assert.Equal(t, "erin", a.Author)
	require.Len(t, a.Stages, 2)
	assert.Equal(t, []string{"editor"}, a.Stages[0].Roles)
	assert.Equal(t, 1, a.Stages[0].Required)
	require.NotEmpty(t, a.Audit)
	assert.Equal(t, "opened", a.Audit[0].Action)
	require.NotNil(t, a.Bundle, "the bundle under review")
	assert.Equal(t, a.ContentHash, a.Bundle.ContentHash)
	assert.Equal(t, "The science of the long exhale", a.Bundle.Title)
	require.NotNil(t, a.Bundle.Newsletter)
	assert.NotEmpty(t, a.Bundle.Newsletter.Subject)
	assert.Equal(t, "Z", a.CreatedAt.Format("Z07:00"))

	// The author may not approve their own content; the reviewer defaults
	// to the key's name.
	res := decide(t, ts, erin, id, map[string]any{"decision": "approve"})
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
	assert.Equal(t, problemType, res.Header.Get("Content-Type"))
	// Legal is no stage of level 2.
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "lee"})
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
	// A decision on other content than the request's.
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "mark", "content_hash": "stale"})
	assert.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
	// A write key without the approve scope.
	writer := ts.key(t, "writer", 0, ScopeWrite)
	res = decide(t, ts, writer, id, map[string]any{"decision": "approve", "reviewer": "mark"})
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)

	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "mark", "content_hash": a.ContentHash})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var after ApprovalBody
	res.JSON(t, &after)
	assert.Equal(t, "pending", after.State, "editorial has not approved yet")
	assert.Nil(t, after.Bundle, "decisions answer the request without its bundle")
	ts.waitIdle(t)
	assert.Empty(t, ts.Pubs[content.ChannelEmail].Published(), "nothing is sent before approval")

	// A reviewer counts once per stage: mark's only stage is approved.
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "mark"})
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)

	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "ada", "comment": "lovely"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.JSON(t, &a)
	assert.Equal(t, "approved", a.State)
	for _, st := range a.Stages {
		assert.Equal(t, "approved", st.State, st.Name)
		require.Len(t, st.Approvals, 1)
	}

	ts.waitIdle(t)
	mock.RequirePublished(t, ts.Pubs[content.ChannelEmail], mock.ForJob(jobID))
	job := ts.do(t, "GET", "/api/v2/jobs/"+jobID, reviewer, nil)
	require.Equal(t, http.StatusOK, job.Status, "%s", job.Body)
	jb := job.JSON(t)
	assert.Equal(t, "completed", jb["status"])
	assert.Equal(t, "approved", jb["approval"].(map[string]any)["state"])

	// Finished requests take no more decisions.
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "reject", "reviewer": "mark", "comment": "too late"})
	assert.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)

	got = ts.do(t, "GET", "/api/v2/approvals/"+id, reviewer, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	got.JSON(t, &a)
	var actions []string
	for _, e := range a.Audit {
		actions = append(actions, e.Action)
	}
	assert.Contains(t, actions, "approve")
	assert.Contains(t, actions, "approved")
}

func TestApprovalsRequestChangesAndReject(t *testing.T) {
	ts := newTestServer(t)
	erin := ts.key(t, "erin", 0, ScopeWrite)
	reviewer := ts.key(t, "review-desk", 0, ScopeApprove, ScopeRead)
	_, id := levelTwoJob(t, ts, erin)

	// Asking for changes needs a comment.
	res := decide(t, ts, reviewer, id, map[string]any{"decision": "request_changes", "reviewer": "mark"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "maybe", "reviewer": "mark"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "mark", "extra": true})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "unknown fields are refused: %s", res.Body)

	res = decide(t, ts, reviewer, id, map[string]any{"decision": "request_changes", "reviewer": "mark", "comment": "shorter title"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var a ApprovalBody
	res.JSON(t, &a)
	assert.Equal(t, "changes_requested", a.State)
	last := a.Audit[len(a.Audit)-1]
	assert.Equal(t, "mark", last.Actor)
	assert.Equal(t, "request_changes", last.Action)
	assert.Contains(t, last.Comment, "shorter title")
	// Waiting for a new version: no approvals meanwhile.
	res = decide(t, ts, reviewer, id, map[string]any{"decision": "approve", "reviewer": "ada"})
	assert.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)

	list := ts.do(t, "GET", "/api/v2/approvals?state=changes_requested", reviewer, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	assert.EqualValues(t, 1, list.JSON(t)["total"])

	// A second job is rejected: it is cancelled and nothing is sent.
	jobID, id2 := levelTwoJob(t, ts, erin)
	res = decide(t, ts, reviewer, id2, map[string]any{"decision": "reject", "reviewer": "mark", "comment": "off brand"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.JSON(t, &a)
	assert.Equal(t, "rejected", a.State)
	ts.waitIdle(t)
	job := ts.do(t, "GET", "/api/v2/jobs/"+jobID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, job.Status, "%s", job.Body)
	assert.Equal(t, "cancelled", job.JSON(t)["status"])
	assert.Empty(t, ts.Pubs[content.ChannelEmail].Published())

	list = ts.do(t, "GET", "/api/v2/approvals?state=rejected", ts.Admin, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	lb := list.JSON(t)
	assert.EqualValues(t, 1, lb["total"])
	assert.Equal(t, id2, lb["approvals"].([]any)[0].(map[string]any)["id"])
	bad := ts.do(t, "GET", "/api/v2/approvals?state=maybe", ts.Admin, nil)
	assert.Equal(t, http.StatusUnprocessableEntity, bad.Status, "%s", bad.Body)
}

func TestApprovalsUnknown(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, "GET", "/api/v2/approvals/apr_missing", ts.Admin, nil)
	assert.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
	assert.Equal(t, problemType, res.Header.Get("Content-Type"))
	res = decide(t, ts, ts.Admin, "apr_missing", map[string]any{"decision": "approve", "reviewer": "mark"})
	assert.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
	res = ts.do(t, "GET", "/api/v2/approvals", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.JSONEq(t, `{"approvals":[],"total":0}`, string(res.Body))
}

// TestApprovalsDocumentEditedDuringReview checks API.md's 409 "when the
// content changed since the review started": the dashboard sends no
// content hash, so the server checks the document at its source.
func TestApprovalsDocumentEditedDuringReview(t *testing.T) {
	ts := newTestServer(t)
	erin := ts.key(t, "erin", 0, ScopeWrite, ScopeApprove, ScopeRead)
	jobID, id := levelTwoJob(t, ts, erin)
	before := ts.do(t, "GET", "/api/v2/approvals/"+id, ts.Admin, nil).JSON(t)["content_hash"]

	ts.Source.AddText("mem:blog", blogDoc+"\nOne more sentence, added while the review was open.\n", content.FormatMarkdown)
	res := decide(t, ts, ts.Admin, id, map[string]any{"decision": "approve", "reviewer": "mark"})
	p := secRequireStatusProblem(t, res, http.StatusConflict)
	assert.Contains(t, p.Detail, "changed since the review started")

	got := ts.do(t, "GET", "/api/v2/approvals/"+id, ts.Admin, nil)
	var a ApprovalBody
	got.JSON(t, &a)
	assert.NotEqual(t, before, a.ContentHash, "the review is of the new content")
	assert.Equal(t, a.ContentHash, a.Bundle.ContentHash)
	assert.Contains(t, a.Bundle.Newsletter.Text, "One more sentence", "the bundle under review is the new one")
	job := ts.do(t, "GET", "/api/v2/jobs/"+jobID, ts.Admin, nil).JSON(t)
	assert.Equal(t, "awaiting_approval", job["status"])

	// Decisions on the new content go through.
	for _, reviewer := range []string{"mark", "ada"} {
		res := decide(t, ts, ts.Admin, id, map[string]any{"decision": "approve", "reviewer": reviewer})
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", reviewer, res.Body)
	}
	ts.waitIdle(t)
	job = ts.do(t, "GET", "/api/v2/jobs/"+jobID, ts.Admin, nil).JSON(t)
	assert.Equal(t, "completed", job["status"])
	mock.RequirePublished(t, ts.Pubs[content.ChannelEmail], mock.ForJob(jobID))
}

// TestApprovalsReviewerKeysSignOnlyForThemselves checks that a reviewer's
// own key (named like a reviewer) cannot record decisions in another
// reviewer's name, while a shared key (the dashboard's) may name anyone.
func TestApprovalsReviewerKeysSignOnlyForThemselves(t *testing.T) {
	ts := newTestServer(t)
	erin := ts.key(t, "erin", 0, ScopeWrite, ScopeApprove, ScopeRead)
	ada := ts.key(t, "ada", 0, ScopeApprove, ScopeRead)
	desk := ts.key(t, "review-desk", 0, ScopeApprove, ScopeRead)
	_, id := levelTwoJob(t, ts, erin)

	res := decide(t, ts, ada, id, map[string]any{"decision": "approve", "reviewer": "mark"})
	p := secRequireStatusProblem(t, res, http.StatusForbidden)
	assert.Contains(t, p.Detail, `belongs to reviewer "ada"`)
	assert.Contains(t, string(res.Body), "body.reviewer")

	// As herself, named or not: recorded.
	res = decide(t, ts, ada, id, map[string]any{"decision": "approve", "reviewer": "ada"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	// The shared key names the reviewer.
	res = decide(t, ts, desk, id, map[string]any{"decision": "approve", "reviewer": "mark"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var a ApprovalBody
	res.JSON(t, &a)
	assert.Equal(t, "approved", a.State)
}
