package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
)

// testURL is the test server: HALCYTONE_TEST_POSTGRES_URL, else the local
// one.
func testURL() string {
	if u := os.Getenv("HALCYTONE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// freshSchema returns a new schema name on a reachable server and drops
// the schema at cleanup. An unreachable server fails the test: it is never
// skipped.
func freshSchema(t *testing.T) (url, schema string) {
	t.Helper()
	url = testURL()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err == nil {
		err = conn.Ping(ctx)
		_ = conn.Close(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable (%v): start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "+
			"or point HALCYTONE_TEST_POSTGRES_URL at a server", url, err)
	}
	schema = NewSchemaName("examples_pg_")
	t.Cleanup(func() {
		if err := DropSchema(context.Background(), url, schema); err != nil {
			t.Error(err)
		}
	})
	return url, schema
}

func TestRun(t *testing.T) {
	url, schema := freshSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, url, schema))
	text := out.String()

	// What run printed: a level-4 review by legal and executive, then the
	// job delivered on every channel, each publisher receiving one delivery.
	assert.Contains(t, text, `in schema "`+schema+`"`)
	assert.Regexp(t, `Generated job job_\w+: awaiting_approval, approval level 4 \(executive\+legal\)`, text)
	assert.Contains(t, text, "  lee approved: request pending\n")
	assert.Contains(t, text, "  eve approved: request approved\n")
	m := regexp.MustCompile(`\nJob (job_\w+): (\w+)\n`).FindStringSubmatch(text)
	require.NotNil(t, m, text)
	jobID := m[1]
	assert.Equal(t, "completed", m[2], text)
	for _, ch := range []string{"email", "web", "linkedin"} {
		assert.Regexp(t, `\n  `+ch+` +success \(content id `+ch+`-1\)\n`, text)
		assert.Regexp(t, `\n  `+ch+` +`+ch+`-1`, text[strings.Index(text, "Received by"):])
	}
	assert.Contains(t, text, `subject "Breathscape Living Document"`)
	assert.Contains(t, text, "River entries of the job: completed, completed, completed\n")

	// What it left in the schema.
	st, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
	require.NoError(t, err)
	defer st.Close()
	job, err := st.GetJob(ctx, jobID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, job.Status)
	assert.Equal(t, "sample:", job.DocumentID)
	require.NotNil(t, job.Approval)
	assert.Equal(t, 4, job.Approval.Level)

	deliveries, err := st.ListDeliveries(ctx, jobID)
	require.NoError(t, err)
	require.Len(t, deliveries, 3)
	for _, d := range deliveries {
		assert.Equal(t, store.DeliverySent, d.Status, d.Channel)
		assert.Equal(t, 1, d.Attempts, d.Channel)
	}

	a, err := st.GetApproval(ctx, job.Approval.RequestID)
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, a.State)
	var approvers []string
	for _, e := range a.Audit {
		if e.Action == approval.ActionApprove {
			approvers = append(approvers, e.Actor)
		}
	}
	assert.ElementsMatch(t, []string{"lee", "eve"}, approvers)
}

func TestRunUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", "unused")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is it running?")
}
