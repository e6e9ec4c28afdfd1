package approval_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
)

func TestSubjectOfTypedContent(t *testing.T) {
	a := &content.Announcement{Base: content.Base{Type: content.TypeAnnouncement, Title: "Sensor recall",
		Body: "Please update.", Priority: 1, Author: "ana"}, Urgency: content.UrgencyCritical}
	s := approval.SubjectOf(content.DocumentOf(a), nil)
	assert.Equal(t, content.TypeAnnouncement, s.Type)
	assert.Equal(t, content.PriorityUrgent, s.Priority)
	assert.Equal(t, content.UrgencyCritical, s.Urgency)
	assert.Equal(t, "Sensor recall", s.Title)
	assert.Equal(t, "ana", s.Author)
	assert.Contains(t, s.Text, "Please update.")
	assert.False(t, s.ValidationPassed)
	assert.Equal(t, 4, approval.DefaultPolicy().Level(s))
}

func TestSubjectOfRanksItems(t *testing.T) {
	doc := &content.Document{Title: "Living doc", Sections: []content.Section{
		{Heading: "News", Items: []content.Item{
			{Title: "Small fix", Body: "Bugs fixed.", Flags: content.Flags{Type: content.TypeUpdate, Priority: 4}},
			{Title: "New guide", Body: "Read it.", Flags: content.Flags{Type: content.TypeBlog, Priority: 3}},
			{Title: "Featured fix", Body: "Shiny.", Flags: content.Flags{Type: content.TypeUpdate, Priority: 3, Featured: true}},
		}},
		{Heading: "More", Items: []content.Item{
			{Title: "Quiet note", Body: "A medical note.", Flags: content.Flags{Type: content.TypeUpdate, Priority: 5}},
		}},
	}}
	s := approval.SubjectOf(doc, nil)
	// Priority 3 beats 4 and 5; among the priority-3 items the blog
	// outranks the update.
	assert.Equal(t, content.TypeBlog, s.Type)
	assert.Equal(t, "New guide", s.Title)
	assert.Contains(t, s.Text, "A medical note.", "every item's text counts")
	assert.Equal(t, 4, approval.DefaultPolicy().Level(s))
}

func TestSubjectOfWeekly(t *testing.T) {
	tests := []struct {
		name string
		doc  *content.Document
		b    *content.Bundle
		want bool
	}{
		{"document title", &content.Document{Title: "Halcytone Weekly Update"}, nil, true},
		{"bundle title", nil, &content.Bundle{ContentType: content.TypeUpdate, Title: "The weekly digest"}, true},
		{"metadata flag", content.DocumentOf(&content.Update{Base: content.Base{Title: "Digest", Metadata: map[string]any{"weekly": true}}}), nil, true},
		{"metadata cadence", content.DocumentOf(&content.Update{Base: content.Base{Title: "Digest", Metadata: map[string]any{"cadence": "Weekly"}}}), nil, true},
		{"biweekly is not weekly", &content.Document{Title: "Biweekly news"}, nil, false},
		{"monthly", content.DocumentOf(&content.Update{Base: content.Base{Title: "Digest", Metadata: map[string]any{"cadence": "monthly"}}}), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, approval.SubjectOf(tt.doc, tt.b).Weekly)
		})
	}
}

func TestSubjectOfBundle(t *testing.T) {
	b := &content.Bundle{ContentType: content.TypeUpdate, Title: "Update",
		Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: "Our app can heal you"}}}
	s := approval.SubjectOf(nil, b)
	assert.Equal(t, content.TypeUpdate, s.Type)
	assert.Equal(t, "Update", s.Title)
	assert.Equal(t, 4, approval.DefaultPolicy().Level(s), "a claim in a social post counts")

	assert.Equal(t, approval.Subject{}, approval.SubjectOf(nil, nil))
}
