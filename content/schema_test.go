package content_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

var updateSchemas = flag.Bool("update-schemas", false, "rewrite content/schema/*.json from content.Schema")

// structuralCodes are the issue codes of the rules that the JSON Schemas
// express. The agreement test compares the schema's verdict with the
// validator's errors of these codes only.
var structuralCodes = []string{
	content.CodeRequired, content.CodeBlank, content.CodeTooShort, content.CodeTooLong,
	content.CodeOutOfRange, content.CodeInvalidEnum, content.CodePattern, content.CodeTooMany,
	content.CodeTooFewWords, content.CodeConflict,
}

// excludedCodes are the codes of rules that JSON Schema cannot express:
// time-relative rules (in_past, too_far, in_future, too_old), brand claims,
// and invalid UTF-8, which cannot reach the validator through JSON (the
// decoder replaces invalid bytes). The agreement test ignores them, and
// fails on any code that is in neither list.
var excludedCodes = []string{
	content.CodeInPast, content.CodeTooFar, content.CodeInFuture, content.CodeTooOld,
	content.CodeProhibitedClaim, content.CodeInvalidEncoding,
}

// compileSchemas compiles the schema of every type once.
func compileSchemas(t *testing.T) map[content.Type]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[content.Type]*jsonschema.Schema{}
	for _, typ := range content.Types() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(content.Schema(typ)))
		require.NoError(t, err)
		url := "mem:///" + string(typ) + ".json"
		require.NoError(t, c.AddResource(url, doc))
		out[typ], err = c.Compile(url)
		require.NoError(t, err, "schema of %s", typ)
	}
	return out
}

// baseObjects are valid JSON objects of each type (with testNow as the
// validator's clock).
func baseObjects() map[content.Type]map[string]any {
	return map[content.Type]map[string]any{
		content.TypeUpdate: {
			"type": "update", "title": "Breathscape 2.3 brings calmer reminders",
			"content": "The latest version adds guided sessions and calmer reminders.",
		},
		content.TypeBlog: {
			"type": "blog", "title": "Box breathing, explained",
			"content": "Box breathing is a simple technique: in, hold, out, hold.",
		},
		content.TypeAnnouncement: {
			"type": "announcement", "title": "Community meetup in Berlin",
			"content": "Join us for an evening of breathing and conversation.", "urgency": "medium",
		},
		content.TypeSession: {
			"type": "session", "title": "Evening calm session",
			"content":    "Twelve people practised box breathing together.",
			"session_id": "sess-001", "session_duration": 1800, "participant_count": 12,
			"breathing_techniques": []any{"box"}, "session_type": "guided",
			"session_date": "2026-03-03T10:00:00Z",
		},
	}
}

// agreementCase changes a valid object (set keys, delete keys) and says
// whether the result is valid in structure.
type agreementCase struct {
	name  string
	set   map[string]any
	del   []string
	valid bool
}

func strs(n int, f func(i int) string) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func tagN(i int) string { return fmt.Sprintf("tag%d", i) }

var commonCases = []agreementCase{
	{"valid", nil, nil, true},
	{"unknown property", map[string]any{"extra": 1}, nil, false},
	{"title missing", nil, []string{"title"}, false},
	{"title empty", map[string]any{"title": ""}, nil, false},
	{"title blank", map[string]any{"title": " \t "}, nil, false},
	{"title nbsp only", map[string]any{"title": "\u00a0\u2003"}, nil, false},
	{"title next-line only", map[string]any{"title": "\u0085"}, nil, false},
	{"title zero-width space is not space", map[string]any{"title": "\u200b"}, nil, true},
	{"title 200", map[string]any{"title": nRunes(200)}, nil, true},
	{"title 201", map[string]any{"title": nRunes(201)}, nil, false},
	{"content missing", nil, []string{"content"}, false},
	{"content 9", map[string]any{"content": "éé éé ééé"}, nil, false},
	{"content 10", map[string]any{"content": "éé éé éééé"}, nil, true},
	{"content 2 words", map[string]any{"content": "breathing slowly"}, nil, false},
	{"content 2 words and markers", map[string]any{"content": "- breathing -- slowly ##"}, nil, false},
	{"content 3 words", map[string]any{"content": "breathe in slowly"}, nil, true},
	{"content words split by nbsp", map[string]any{"content": "breathe\u00a0in\u00a0slowly"}, nil, true},
	{"content words split by next line", map[string]any{"content": "breathe\u0085in\u0085slowly"}, nil, true},
	{"content words split by vertical tab", map[string]any{"content": "breathe\vin\vslowly"}, nil, true},
	{"content words joined by zero-width space", map[string]any{"content": "breathe\u200bin\u200bslowly"}, nil, false},
	{"content digits are words", map[string]any{"content": "4 7 8 !! ## --"}, nil, true},
	{"author 100", map[string]any{"author": nRunes(100)}, nil, true},
	{"author 101", map[string]any{"author": nRunes(101)}, nil, false},
	{"priority 0", map[string]any{"priority": 0}, nil, false},
	{"priority 1", map[string]any{"priority": 1}, nil, true},
	{"priority 5", map[string]any{"priority": 5}, nil, true},
	{"priority 6", map[string]any{"priority": 6}, nil, false},
	{"priority 2.5", map[string]any{"priority": 2.5}, nil, false},
	{"priority as string", map[string]any{"priority": "2"}, nil, false},
	{"featured alone", map[string]any{"featured": true}, nil, false},
	{"featured published", map[string]any{"featured": true, "published": true}, nil, true},
	{"featured scheduled", map[string]any{"featured": true, "scheduled_for": "2026-03-05T10:00:00Z"}, nil, true},
	{"featured false", map[string]any{"featured": false}, nil, true},
	{"featured dry run", map[string]any{"featured": true, "published": true, "dry_run": true}, nil, false},
	{"dry run", map[string]any{"dry_run": true}, nil, true},
	{"channels", map[string]any{"channels": []any{"email", "web", "social_instagram"}}, nil, true},
	{"channel unknown", map[string]any{"channels": []any{"email", "fax"}}, nil, false},
	{"channels not a list", map[string]any{"channels": "email"}, nil, false},
	{"template classic", map[string]any{"template": "classic"}, nil, true},
	{"template empty", map[string]any{"template": ""}, nil, true},
	{"template unknown", map[string]any{"template": "fancy"}, nil, false},
	{"scheduled not a time", map[string]any{"scheduled_for": "tomorrow"}, nil, false},
	{"date not a time", map[string]any{"date": "2026-13-01T00:00:00Z"}, nil, false},
	{"metadata", map[string]any{"metadata": map[string]any{"k": []any{1}}}, nil, true},
	{"metadata not an object", map[string]any{"metadata": []any{}}, nil, false},
	// Rules outside the schema: the comparison ignores their codes.
	{"scheduled in the past (time-relative)", map[string]any{"scheduled_for": "2020-01-01T10:00:00Z"}, nil, true},
	{"prohibited claim (brand rule)", map[string]any{"content": "Breathing exercises cure everything."}, nil, true},
}

var typeCases = map[content.Type][]agreementCase{
	content.TypeUpdate: {
		{"10 tags", map[string]any{"tags": strs(10, tagN)}, nil, true},
		{"11 tags", map[string]any{"tags": strs(11, tagN)}, nil, false},
		{"tag 50", map[string]any{"tags": []any{nRunes(50)}}, nil, true},
		{"tag 51", map[string]any{"tags": []any{nRunes(51)}}, nil, false},
		{"tag not a string", map[string]any{"tags": []any{"a", 5}}, nil, false},
		{"excerpt 300", map[string]any{"excerpt": nRunes(300)}, nil, true},
		{"excerpt 301", map[string]any{"excerpt": nRunes(301)}, nil, false},
	},
	content.TypeBlog: {
		{"category empty", map[string]any{"category": ""}, nil, true},
		{"category blank", map[string]any{"category": "   "}, nil, true},
		{"category 100", map[string]any{"category": nRunes(100)}, nil, true},
		{"category 101", map[string]any{"category": nRunes(101)}, nil, false},
		{"15 tags", map[string]any{"tags": strs(15, tagN)}, nil, true},
		{"16 tags", map[string]any{"tags": strs(16, tagN)}, nil, false},
		{"reading time 0", map[string]any{"reading_time": 0}, nil, true},
		{"reading time 1", map[string]any{"reading_time": 1}, nil, true},
		{"reading time 120", map[string]any{"reading_time": 120}, nil, true},
		{"reading time 121", map[string]any{"reading_time": 121}, nil, false},
		{"reading time -1", map[string]any{"reading_time": -1}, nil, false},
		{"seo description empty", map[string]any{"seo_description": ""}, nil, true},
		{"seo description 49", map[string]any{"seo_description": nRunes(49)}, nil, false},
		{"seo description 50", map[string]any{"seo_description": nRunes(50)}, nil, true},
		{"seo description 160", map[string]any{"seo_description": nRunes(160)}, nil, true},
		{"seo description 161", map[string]any{"seo_description": nRunes(161)}, nil, false},
		{"excerpt 500", map[string]any{"excerpt": nRunes(500)}, nil, true},
		{"excerpt 501", map[string]any{"excerpt": nRunes(501)}, nil, false},
		{"5 keywords", map[string]any{"target_keywords": strs(5, tagN)}, nil, true},
		{"6 keywords", map[string]any{"target_keywords": strs(6, tagN)}, nil, false},
	},
	content.TypeAnnouncement: {
		{"urgency absent", nil, []string{"urgency"}, true},
		{"urgency empty", map[string]any{"urgency": ""}, nil, true},
		{"urgency critical", map[string]any{"urgency": "critical"}, nil, true},
		{"urgency wrong case", map[string]any{"urgency": "High"}, nil, false},
		{"urgency unknown", map[string]any{"urgency": "extreme"}, nil, false},
		{"call to action 200", map[string]any{"call_to_action": nRunes(200)}, nil, true},
		{"call to action 201", map[string]any{"call_to_action": nRunes(201)}, nil, false},
		{"expires not a time", map[string]any{"expires_at": "soon"}, nil, false},
		{"press release not a bool", map[string]any{"press_release": "yes"}, nil, false},
		{"expired (time-relative)", map[string]any{"expires_at": "2026-01-01T00:00:00Z"}, nil, true},
	},
	content.TypeSession: {
		{"id missing", nil, []string{"session_id"}, false},
		{"id empty", map[string]any{"session_id": ""}, nil, false},
		{"id 100", map[string]any{"session_id": nRunes(100)}, nil, true},
		{"id 101", map[string]any{"session_id": nRunes(101)}, nil, false},
		{"duration missing", nil, []string{"session_duration"}, false},
		{"duration 0", map[string]any{"session_duration": 0}, nil, false},
		{"duration 1", map[string]any{"session_duration": 1}, nil, true},
		{"duration 7200", map[string]any{"session_duration": 7200}, nil, true},
		{"duration 7201", map[string]any{"session_duration": 7201}, nil, false},
		{"participants missing", nil, []string{"participant_count"}, false},
		{"participants 0", map[string]any{"participant_count": 0}, nil, false},
		{"participants 1", map[string]any{"participant_count": 1}, nil, true},
		{"participants 1000", map[string]any{"participant_count": 1000}, nil, true},
		{"participants 1001", map[string]any{"participant_count": 1001}, nil, false},
		{"techniques missing", nil, []string{"breathing_techniques"}, false},
		{"techniques empty", map[string]any{"breathing_techniques": []any{}}, nil, false},
		{"10 techniques", map[string]any{"breathing_techniques": strs(10, tagN)}, nil, true},
		{"11 techniques", map[string]any{"breathing_techniques": strs(11, tagN)}, nil, false},
		{"technique blank", map[string]any{"breathing_techniques": []any{"box", " "}}, nil, false},
		{"technique empty", map[string]any{"breathing_techniques": []any{""}}, nil, false},
		{"hrv -100", map[string]any{"average_hrv_improvement": -100}, nil, true},
		{"hrv -100.5", map[string]any{"average_hrv_improvement": -100.5}, nil, false},
		{"hrv 200", map[string]any{"average_hrv_improvement": 200}, nil, true},
		{"hrv 200.5", map[string]any{"average_hrv_improvement": 200.5}, nil, false},
		{"type missing", nil, []string{"session_type"}, false},
		{"type empty", map[string]any{"session_type": ""}, nil, false},
		{"type unknown", map[string]any{"session_type": "lecture"}, nil, false},
		{"live without instructor", map[string]any{"session_type": "live"}, nil, false},
		{"live blank instructor", map[string]any{"session_type": "live", "instructor_name": " "}, nil, false},
		{"live with instructor", map[string]any{"session_type": "live", "instructor_name": "Ana"}, nil, true},
		{"workshop 4", map[string]any{"session_type": "workshop", "participant_count": 4}, nil, false},
		{"workshop 5", map[string]any{"session_type": "workshop", "participant_count": 5}, nil, true},
		{"date not a time", map[string]any{"session_date": "yesterday"}, nil, false},
		{"date in the future (time-relative)", map[string]any{"session_date": "2026-03-05T10:00:00Z"}, nil, true},
	},
}

// goVerdict decodes data and validates it, and reports whether it is
// valid in structure, and the type DecodeStrict chose.
func goVerdict(t *testing.T, data []byte) (bool, content.Type) {
	t.Helper()
	c, err := content.DecodeStrict(data)
	if err != nil {
		return false, ""
	}
	r := testValidator().ValidateContent(context.Background(), c)
	requireConsistent(t, r)
	valid := true
	for _, i := range r.Issues {
		switch {
		case slices.Contains(structuralCodes, i.Code):
			valid = false
		case !slices.Contains(excludedCodes, i.Code):
			t.Fatalf("code %q is neither structural nor excluded: decide (issue %v)", i.Code, i)
		}
	}
	return valid, c.Kind()
}

func TestSchemaAgreesWithValidator(t *testing.T) {
	schemas := compileSchemas(t)
	for _, typ := range content.Types() {
		for _, tc := range append(slices.Clone(commonCases), typeCases[typ]...) {
			t.Run(string(typ)+"/"+tc.name, func(t *testing.T) {
				obj := maps.Clone(baseObjects()[typ])
				maps.Copy(obj, tc.set)
				for _, k := range tc.del {
					delete(obj, k)
				}
				data, err := json.Marshal(obj)
				require.NoError(t, err)

				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
				require.NoError(t, err)
				schemaErr := schemas[typ].Validate(inst)
				goValid, kind := goVerdict(t, data)
				if kind != "" {
					require.Equal(t, typ, kind)
				}

				assert.Equal(t, tc.valid, schemaErr == nil, "schema: %v", schemaErr)
				assert.Equal(t, tc.valid, goValid, "validator")
			})
		}
	}
}

// TestSchemaKnownDivergences pins the inputs on which the schema and the
// validator knowingly disagree, each because the validator normalises or
// decodes leniently before it applies the same rule. The schema is the
// stricter side in every case but the derived reading time.
func TestSchemaKnownDivergences(t *testing.T) {
	schemas := compileSchemas(t)
	tests := []struct {
		name        string
		typ         content.Type
		set         map[string]any
		schemaValid bool
		goValid     bool
	}{
		{"11 tags, one a duplicate after NormalizeTags", content.TypeUpdate, map[string]any{"tags": append(strs(10, tagN), " TAG0")}, false, true},
		{"tag of 50 runes plus spaces, trimmed by NormalizeTags", content.TypeUpdate, map[string]any{"tags": []any{" " + nRunes(50) + " "}}, false, true},
		{"null priority means absent to Decode", content.TypeUpdate, map[string]any{"priority": nil}, false, true},
		{"type names are case-insensitive to Decode", content.TypeBlog, map[string]any{"type": "Blog"}, false, true},
		{"channel names are case-insensitive to ParseChannel", content.TypeUpdate, map[string]any{"channels": []any{"Email"}}, false, true},
		{"reading time derived from 24001 words is over 120", content.TypeBlog, map[string]any{"content": nWords(24001)}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := baseObjects()[tc.typ]
			maps.Copy(obj, tc.set)
			data, err := json.Marshal(obj)
			require.NoError(t, err)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			require.NoError(t, err)
			goValid, _ := goVerdict(t, data)
			assert.Equal(t, tc.schemaValid, schemas[tc.typ].Validate(inst) == nil, "schema")
			assert.Equal(t, tc.goValid, goValid, "validator")
		})
	}
}

func TestSchemaShape(t *testing.T) {
	for _, typ := range content.Types() {
		var s map[string]any
		require.NoError(t, json.Unmarshal(content.Schema(typ), &s), "%s", typ)
		assert.Equal(t, content.SchemaDialect, s["$schema"])
		assert.Equal(t, false, s["additionalProperties"])
		props := s["properties"].(map[string]any)
		assert.Equal(t, string(typ), props["type"].(map[string]any)["const"])
		assert.NotContains(t, s["required"], "type", "type is optional")
		// Field names are exactly the JSON names of the Go types.
		c, err := content.New(typ)
		require.NoError(t, err)
		data, err := json.Marshal(c)
		require.NoError(t, err)
		var zero map[string]any
		require.NoError(t, json.Unmarshal(data, &zero))
		for name := range zero {
			assert.Contains(t, props, name, "%s: %s", typ, name)
		}
	}
	assert.Nil(t, content.Schema("poem"))
}

// TestSchemaFiles keeps content/schema/*.json, the schemas for readers and
// tools, equal to what Schema returns. Run with -update-schemas to rewrite
// them.
func TestSchemaFiles(t *testing.T) {
	for _, typ := range content.Types() {
		path := filepath.Join("schema", string(typ)+".json")
		want := append(content.Schema(typ), '\n')
		if *updateSchemas {
			require.NoError(t, os.MkdirAll("schema", 0o755))
			require.NoError(t, os.WriteFile(path, want, 0o644))
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -run TestSchemaFiles -update-schemas")
		assert.Equal(t, string(want), string(got), "%s is stale: run go test -run TestSchemaFiles -update-schemas", path)
	}
}
