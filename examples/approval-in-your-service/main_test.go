package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

// startService runs the service over real HTTP on a loopback port, with
// its database in a temporary directory, until t ends.
func startService(t *testing.T) (*service, client) {
	t.Helper()
	svc, err := newService(t.Context(), t.TempDir())
	require.NoError(t, err)
	srv := httptest.NewServer(svc)
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, svc.Close())
	})
	return svc, client{base: srv.URL, http: srv.Client()}
}

// ctx bounds one test's requests generously.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func submit(t *testing.T, c client) articleView {
	t.Helper()
	var art articleView
	require.NoError(t, c.call(ctx(t), "POST", "/articles", "ada", map[string]string{"title": articleTitle, "body": articleBody}, http.StatusCreated, &art))
	return art
}

func decide(t *testing.T, c client, id, user, action, comment string, want int) articleView {
	t.Helper()
	var art articleView
	require.NoError(t, c.call(ctx(t), "POST", "/articles/"+id+"/"+action, user, map[string]string{"comment": comment}, want, &art))
	return art
}

func TestApprovalOverHTTP(t *testing.T) {
	svc, c := startService(t)

	require.NoError(t, c.call(ctx(t), "POST", "/articles", "", map[string]string{"title": articleTitle, "body": articleBody}, http.StatusUnauthorized, nil))
	art := submit(t, c)
	assert.Equal(t, store.JobAwaitingApproval, art.Status)
	require.NotNil(t, art.Approval)
	assert.Equal(t, 2, art.Approval.Level, "a blog is level 2")
	require.Len(t, art.Approval.Stages, 2)
	assert.Equal(t, []string{"editor"}, art.Approval.Stages[0].Roles)
	assert.Equal(t, []string{"marketing"}, art.Approval.Stages[1].Roles)

	// Refused decisions change nothing.
	decide(t, c, art.ID, "ada", "approve", "", http.StatusForbidden)    // her own article
	decide(t, c, art.ID, "nobody", "approve", "", http.StatusForbidden) // no role
	decide(t, c, art.ID, "erin", "reject", "", http.StatusUnprocessableEntity)
	decide(t, c, "art-404", "erin", "approve", "", http.StatusNotFound)

	after := decide(t, c, art.ID, "erin", "approve", "clear and accurate", http.StatusOK)
	assert.Equal(t, store.ApprovalPending, after.Approval.State, "marketing has not approved yet")
	decide(t, c, art.ID, "erin", "approve", "again", http.StatusForbidden) // her stage is done
	assert.Empty(t, svc.web.Published(), "nothing is delivered before approval")
	after = decide(t, c, art.ID, "mark", "approve", "on brand", http.StatusOK)
	assert.Equal(t, store.ApprovalApproved, after.Approval.State)

	require.Eventually(t, func() bool {
		require.NoError(t, c.call(ctx(t), "GET", "/articles/"+art.ID, "", nil, http.StatusOK, &art))
		return art.Status.Terminal()
	}, time.Minute, 50*time.Millisecond, "the delivery never ran")
	assert.Equal(t, store.JobCompleted, art.Status)
	decide(t, c, art.ID, "mark", "approve", "once more", http.StatusConflict)

	type entry struct{ actor, action string }
	var audit []entry
	for _, e := range art.Approval.Audit {
		audit = append(audit, entry{e.Actor, e.Action})
		assert.False(t, e.At.IsZero())
	}
	assert.Equal(t, []entry{
		{"ada", approval.ActionOpened},
		{"erin", approval.ActionApprove},
		{"erin", approval.ActionStageApproved},
		{"mark", approval.ActionApprove},
		{"mark", approval.ActionStageApproved},
		{"mark", approval.ActionApproved},
	}, audit)
	assert.Contains(t, art.Approval.Audit[1].Comment, "clear and accurate")

	published := mock.RequirePublished(t, svc.web, mock.ForJob(art.JobID))
	require.Len(t, published, 1)
	assert.Len(t, svc.web.Published(), 1, "one delivery in all")
	p := published[0]
	assert.Equal(t, content.ChannelWebsite, p.Delivery.Channel)
	assert.Equal(t, articleTitle, p.Delivery.Bundle.Title)
	require.Len(t, art.Deliveries, 1)
	d := art.Deliveries[0]
	assert.Equal(t, store.DeliverySent, d.Status)
	assert.Equal(t, p.Delivery.IdempotencyKey, d.IdempotencyKey)
	require.NotNil(t, d.Receipt)
	assert.Equal(t, p.Receipt.ExternalID, d.Receipt.ExternalID)
}

func TestRejectionCancelsTheJob(t *testing.T) {
	svc, c := startService(t)
	art := submit(t, c)
	after := decide(t, c, art.ID, "mark", "reject", "not for this month", http.StatusOK)
	assert.Equal(t, store.ApprovalRejected, after.Approval.State)
	assert.Equal(t, store.JobCancelled, after.Status)
	last := after.Approval.Audit[len(after.Approval.Audit)-1]
	assert.Equal(t, "mark", last.Actor)
	assert.Equal(t, approval.ActionReject, last.Action)
	decide(t, c, art.ID, "erin", "approve", "", http.StatusConflict)
	assert.Empty(t, svc.web.Published())
	assert.Empty(t, after.Deliveries)
}

func TestInvalidArticle(t *testing.T) {
	_, c := startService(t)
	require.NoError(t, c.call(ctx(t), "POST", "/articles", "ada", map[string]string{"title": "", "body": "too short"}, http.StatusUnprocessableEntity, nil))
	require.NoError(t, c.call(ctx(t), "POST", "/articles", "ada", map[string]string{"headline": "unknown field"}, http.StatusBadRequest, nil))
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(ctx(t), &out, t.TempDir()))
	s := out.String()
	for _, want := range []string{
		"approval level 2, stages editorial [editor] marketing [marketing]",
		"403 Forbidden",
		"reviewers may not decide on their own content",
		"approval pending, job awaiting_approval",
		"approval approved",
		"job completed",
		"ada   opened",
		"erin  approve         stage editorial: clear and accurate",
		"mark  approved        all 2 stages approved",
		"website  sent  hc_",
		`"The science of the long exhale"  → published`,
	} {
		assert.Contains(t, s, want)
	}
}
