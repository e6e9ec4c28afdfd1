package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// This file is the code under test: a small piece of a team's own service
// that publishes its news through Halcytone. In a real project it would be
// its own package; main_test.go shows how that project tests it with the
// fakes of package mock.

// ErrInvalid means an announcement did not pass Halcytone's validation;
// the error names the fields at fault. Nothing was stored.
var ErrInvalid = errors.New("newsroom: announcement is invalid")

// Announcement is a piece of news the team announces.
type Announcement struct {
	Title string
	Body  string // Markdown
	// Urgent announcements also go to X, and are reviewed as high-urgency
	// news (editorial, then management).
	Urgent bool
}

// Newsroom publishes a team's announcements and notes through a Halcytone
// Engine. It is safe for concurrent use.
type Newsroom struct {
	// Engine runs the pipeline: fetch, assemble, validate, approval,
	// queue, publishers.
	Engine *halcytone.Engine
	// Author is who the newsroom publishes as; an author may not approve
	// their own content.
	Author string
}

// Channels returns the channels of an announcement: email, the website and
// LinkedIn, and X when it is urgent.
func (a Announcement) Channels() []string {
	ch := []string{"email", "web", "linkedin"}
	if a.Urgent {
		ch = append(ch, "twitter")
	}
	return ch
}

// Announce hands a to the Engine and returns its job, which usually
// awaits approval: announcements are reviewed before anything is sent.
// Invalid content is ErrInvalid, and creates no job.
func (n *Newsroom) Announce(ctx context.Context, a Announcement) (*store.Job, error) {
	ann := &content.Announcement{
		Base:    content.Base{Title: a.Title, Body: a.Body, Author: n.Author},
		Urgency: content.UrgencyMedium,
	}
	if a.Urgent {
		// High urgency, high priority: the approval policy asks editorial
		// and then management to review announcements of priority 1-2.
		// High urgency also makes it featured, and featured content must
		// be published (or scheduled): it goes out once approved.
		ann.Urgency, ann.Priority, ann.Published = content.UrgencyHigh, content.PriorityHigh, true
	}
	res, err := n.Engine.Generate(ctx, halcytone.Request{
		Content:  ann,
		Channels: a.Channels(),
		Author:   n.Author,
		Metadata: map[string]any{"source": "newsroom"},
	})
	if err != nil {
		return nil, fmt.Errorf("newsroom: announce %q: %w", a.Title, err)
	}
	if res.Status == halcytone.StatusValidationFailed {
		return nil, invalid(res.Report)
	}
	return res.Job, nil
}

// PublishNotes publishes the team's living document ref (such as
// "notes:team") to email and the website.
func (n *Newsroom) PublishNotes(ctx context.Context, ref string) (*store.Job, error) {
	res, err := n.Engine.Generate(ctx, halcytone.Request{
		DocumentID: ref,
		Channels:   []string{"email", "web"},
		Author:     n.Author,
	})
	if err != nil {
		return nil, fmt.Errorf("newsroom: notes %s: %w", ref, err)
	}
	if res.Status == halcytone.StatusValidationFailed {
		return nil, invalid(res.Report)
	}
	return res.Job, nil
}

// Failed returns the channels of a job whose delivery failed, sorted.
func (n *Newsroom) Failed(ctx context.Context, jobID string) ([]string, error) {
	j, err := n.Engine.Job(ctx, jobID)
	if err != nil {
		return nil, err
	}
	var out []string
	for ch, r := range j.Results {
		if r.Status == "failed" {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out, nil
}

// invalid turns a failed validation report into an ErrInvalid naming the
// fields at fault.
func invalid(r *content.Report) error {
	var fields []string
	if r != nil {
		for _, is := range r.Issues {
			fields = append(fields, is.Field)
		}
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(fields, ", "))
}
