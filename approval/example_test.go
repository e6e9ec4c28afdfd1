package approval_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

// A blog post needs editorial and marketing approval, in parallel; its
// author may not approve it, and an approval of an older version is
// refused.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	gate := &approval.Gate{
		Policy:    approval.DefaultPolicy(),
		Store:     mock.NewStore(),
		Directory: approval.StaticDirectory{"ana": {"editor"}, "ben": {"editor"}, "mia": {"marketing"}},
		Now:       func() time.Time { return now },
	}

	post := &content.Blog{Base: content.Base{Title: "Box breathing, explained", Body: "Four counts in...", Author: "ana"}}
	doc := content.DocumentOf(post)
	s := approval.SubjectOf(doc, nil)
	s.ValidationPassed = true

	req, events, err := gate.Open(ctx, nil, &store.Job{ID: "job_1"}, s, doc.Hash)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(events[0].Type, "level", req.Level, req.State, "due", req.DueAt.Format(time.RFC3339))

	_, _, err = gate.Decide(ctx, nil, req.ID, approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, ContentHash: doc.Hash})
	fmt.Println("author approves:", errors.Is(err, approval.ErrSelfApproval))

	_, _, err = gate.Decide(ctx, nil, req.ID, approval.DecisionInput{Reviewer: "mia", Decision: approval.Approve, ContentHash: "an older hash"})
	fmt.Println("stale approval:", errors.Is(err, approval.ErrStaleContent))

	req, events, _ = gate.Decide(ctx, nil, req.ID, approval.DecisionInput{Reviewer: "mia", Decision: approval.Approve, Comment: "on brand", ContentHash: doc.Hash})
	fmt.Println(events[0].Type, "by", events[0].Decision.Reviewer, "->", req.State)
	req, _, _ = gate.Decide(ctx, nil, req.ID, approval.DecisionInput{Reviewer: "ben", Decision: approval.Approve, ContentHash: doc.Hash})
	for _, st := range req.Stages {
		fmt.Println("stage", st.Name, st.State)
	}
	fmt.Println("request", req.State)
	// Output:
	// approval.requested level 2 pending due 2026-03-04T09:00:00Z
	// author approves: true
	// stale approval: true
	// approval.decided by mia -> pending
	// stage editorial approved
	// stage marketing approved
	// request approved
}

// A policy file is strict: a misspelt key is an error that names it.
func ExampleParsePolicy() {
	_, err := approval.ParsePolicy([]byte(`
default_level: 1
levels:
  - level: 1
    deadline: 24h
    stages:
      - {name: review, roles: [editor], required: 2}
rules:
  - {name: everything, level: 1, priorty: 3}
`), "yaml")
	fmt.Println(err)

	p, _ := approval.ParsePolicy([]byte(`{"default_level":1,"levels":[{"level":1,"deadline":"24h","stages":[{"name":"review","roles":["editor"],"required":2}]}],"rules":[]}`), "json")
	fmt.Println(p.Plan(approval.Subject{Type: content.TypeBlog}).Stages)
	// Output:
	// approval: invalid policy: unknown key "priorty" in rules[0]
	// [{review [editor] 2}]
}
