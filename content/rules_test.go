package content_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func findField(t *testing.T, rules []content.FieldRule, name string) content.FieldRule {
	t.Helper()
	for _, r := range rules {
		if r.Field == name {
			return r
		}
	}
	t.Fatalf("no rule for field %q", name)
	return content.FieldRule{}
}

func TestRules(t *testing.T) {
	rs := content.Rules()

	limits := map[content.Platform][2]int{}
	for _, p := range rs.Social.Platforms {
		limits[p.Platform] = [2]int{p.MaxLength, p.MaxHashtags}
	}
	assert.Equal(t, map[content.Platform][2]int{
		content.PlatformTwitter:   {280, 2},
		content.PlatformLinkedIn:  {3000, 5},
		content.PlatformFacebook:  {63206, 5},
		content.PlatformInstagram: {2200, 30},
	}, limits)
	assert.True(t, rs.Social.Platforms[0].Weighted, "X counts weighted")

	subject := findField(t, rs.Newsletter, "subject")
	assert.Equal(t, 10, *subject.MinLength)
	assert.Equal(t, 100, *subject.MaxLength)
	assert.Equal(t, 150, *findField(t, rs.Newsletter, "preview_text").MaxLength)
	assert.Equal(t, 60, *findField(t, rs.WebUpdate, "seo_title").MaxLength)
	desc := findField(t, rs.WebUpdate, "seo_description")
	assert.Equal(t, []int{120, 160}, []int{*desc.MinLength, *desc.MaxLength})
	assert.Equal(t, `^[a-z0-9-]+$`, findField(t, rs.WebUpdate, "slug").Pattern)

	assert.ElementsMatch(t, []string{"free", "urgent", "!!!", "click now", "limited time"}, rs.SpamTriggers)
	assert.Equal(t, content.ProhibitedClaims(), rs.ProhibitedClaims)
	assert.Equal(t, []string{"low", "medium", "high", "critical"}, rs.Enums["urgency"])
	assert.Equal(t, []string{"live", "guided", "practice", "workshop"}, rs.Enums["session_type"])

	require.Len(t, rs.ContentTypes, 4)
	session := rs.ContentTypes[3]
	require.Equal(t, content.TypeSession, session.Type)
	dur := findField(t, session.Fields, "session_duration")
	assert.Equal(t, []float64{1, 7200}, []float64{*dur.Minimum, *dur.Maximum})
	assert.True(t, dur.Required)
	blog := rs.ContentTypes[1]
	assert.True(t, findField(t, blog.Fields, "reading_time").ZeroDefault)
	assert.Equal(t, 15, *findField(t, blog.Fields, "tags").MaxItems)
}

func TestRulesJSONHasNoNulls(t *testing.T) {
	data, err := json.Marshal(content.Rules())
	require.NoError(t, err)
	assert.NotContains(t, string(data), "null", "optional fields are omitted, never null")
	data, err = json.Marshal(content.ContentTypes())
	require.NoError(t, err)
	assert.NotContains(t, string(data), ":null")
}

func TestRulesReturnsCopies(t *testing.T) {
	a := content.Rules()
	a.SpamTriggers[0] = "changed"
	*a.ContentTypes[0].Fields[1].MaxLength = 1
	b := content.Rules()
	assert.Equal(t, "free", b.SpamTriggers[0])
	assert.Equal(t, content.MaxTitleLength, *b.ContentTypes[0].Fields[1].MaxLength)
}

func TestContentTypes(t *testing.T) {
	types := content.ContentTypes()
	require.Len(t, types, 4)
	for i, ti := range types {
		assert.Equal(t, content.Types()[i], ti.Type)
		assert.NotEmpty(t, ti.Description)
		assert.Equal(t, content.DefaultChannels(ti.Type), ti.DefaultChannels)
		assert.JSONEq(t, string(content.Schema(ti.Type)), string(ti.Schema))
		assert.Subset(t, ti.Required, []string{"title", "content"})
		assert.Len(t, ti.Fields, len(ti.Required)+len(ti.Optional))
	}
	assert.Equal(t, []string{"title", "content", "session_id", "session_duration", "participant_count", "breathing_techniques", "session_type"}, types[3].Required)

	data, err := json.Marshal(types[0])
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(data, &back))
	schema, ok := back["json_schema"].(map[string]any)
	require.True(t, ok, "the schema is embedded as JSON, not as a string")
	assert.Equal(t, content.SchemaDialect, schema["$schema"])
}

func TestSpamTriggersIsACopy(t *testing.T) {
	s := content.SpamTriggers()
	s[0] = "x"
	assert.True(t, strings.HasPrefix(content.SpamTriggers()[0], "free"))
}
