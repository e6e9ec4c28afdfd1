package approval_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

// TestConcurrentApprovals races ten reviewers on a two-of-M stage: exactly
// two approvals count, the rest are refused, nothing is lost.
func TestConcurrentApprovals(t *testing.T) {
	p, err := approval.LoadPolicy("testdata/two_of_three.yaml")
	require.NoError(t, err)
	dir := approval.StaticDirectory{}
	for i := range 10 {
		dir[fmt.Sprint("r", i)] = []string{"reviewer"}
	}
	g := &approval.Gate{Policy: p, Store: mock.NewStore(), Directory: dir}
	req, _, err := g.Open(context.Background(), nil, job("j"), approval.Subject{}, hash)
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			_, _, errs[i] = g.Decide(context.Background(), nil, req.ID, approve(fmt.Sprint("r", i)))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, approval.ErrNotAllowed)
		}
	}
	assert.Equal(t, 2, ok)
	got, err := g.Store.GetApproval(context.Background(), req.ID)
	require.NoError(t, err)
	assert.Len(t, got.Stages[0].Approvals, 2)
	assert.Equal(t, store.ApprovalApproved, got.Stages[0].State)
}

func BenchmarkPolicyLevel(b *testing.B) {
	p := approval.DefaultPolicy()
	s := approval.Subject{Type: content.TypeUpdate, Priority: 3, Title: "Breathing update",
		Text: strings.Repeat("Slow exhales calm the nervous system and help you focus. ", 100)} // ~5.7 KB, no claim
	b.SetBytes(int64(len(s.Text)))
	for b.Loop() {
		if p.Level(s) != 1 {
			b.Fatal("wrong level")
		}
	}
}

func BenchmarkOpenDecide(b *testing.B) {
	ctx := context.Background()
	g := &approval.Gate{Policy: approval.DefaultPolicy(), Store: mock.NewStore(),
		Directory: approval.StaticDirectory{"ana": {"editor"}, "mia": {"marketing"}}}
	s := approval.Subject{Type: content.TypeBlog, Title: "Box breathing", Author: "author"}
	for b.Loop() {
		req, _, err := g.Open(ctx, nil, job("j"), s, hash)
		if err != nil {
			b.Fatal(err)
		}
		for _, who := range []string{"ana", "mia"} {
			if _, _, err := g.Decide(ctx, nil, req.ID, approve(who)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
