package content

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// SchemaDialect is the JSON Schema draft that Schema writes.
const SchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// Patterns of the schemas, valid in Go's regexp and in ECMA-262 with the
// u flag. White space is exactly what unicode.IsSpace (and so
// strings.TrimSpace and strings.Fields) treats as space.
const (
	spaceClass = "\t\n\v\f\r\u0085\\p{Z}"
	// notBlankPattern matches a text holding a non-space character.
	notBlankPattern = "[^" + spaceClass + "]"
	// wordChar is what makes a field a word for WordCount.
	wordChar = `[\p{L}\p{Nd}]`
)

// minWordsPattern matches a text of at least n words as WordCount counts
// them: n space-separated fields that hold a letter or digit.
func minWordsPattern(n int) string {
	if n <= 0 {
		return ""
	}
	field := wordChar + "[^" + spaceClass + "]*[" + spaceClass + "][\\s\\S]*?"
	return strings.Repeat(field, n-1) + wordChar
}

// Schema returns the JSON Schema (draft 2020-12) of content type t as
// indented JSON, or nil for an unknown type. It is built from the same
// rules as the validator (see Rules) and expresses what JSON Schema can:
// lengths in code points, ranges, enums, patterns (not blank, minimum
// words, slug), list caps, date-time formats, and the cross-field rules
// featured ⇒ published or scheduled_for, not featured and dry_run, live ⇒
// instructor_name, workshop ⇒ at least 5 participants. It cannot express
// time-relative rules (scheduled_for in the future, session_date at most
// 30 days old), brand claims, normalisation (tags are limited before
// NormalizeTags de-duplicates them, so the schema is the stricter there)
// or the leniency of Decode (case-insensitive type and channel names, null
// for absent). "type" is optional; when present it must name t. Unknown
// properties are refused, as DecodeStrict refuses them.
func Schema(t Type) []byte {
	if !slices.Contains(Types(), t) {
		return nil
	}
	props := map[string]any{}
	var required []string
	for _, f := range fieldRules(t) {
		props[f.Field] = propertySchema(f)
		if f.Required {
			required = append(required, f.Field)
		}
	}
	props["type"] = map[string]any{"const": string(t), "description": "The content type."}
	s := map[string]any{
		"$schema":              SchemaDialect,
		"title":                "Halcytone " + string(t),
		"description":          "Typed content of type " + string(t) + ", as POST /api/v2/validate-content accepts it.",
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
		"allOf":                crossFieldSchemas(t),
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		// Unreachable: the schema holds only maps, slices, strings and numbers.
		return nil
	}
	// encoding/json writes U+0085 (next line) raw; escape it so that the
	// patterns stay readable.
	return bytes.ReplaceAll(out, []byte("\u0085"), []byte(`\u0085`))
}

// propertySchema translates one field rule into JSON Schema.
func propertySchema(f FieldRule) map[string]any {
	p := map[string]any{"description": f.Description}
	switch f.Type {
	case "array":
		p["type"] = "array"
		setInt(p, "minItems", f.MinItems)
		setInt(p, "maxItems", f.MaxItems)
		items := map[string]any{"type": "string"}
		setInt(items, "maxLength", f.ItemMaxLen)
		if len(f.Enum) > 0 {
			items["enum"] = f.Enum
		}
		var patterns []string
		if f.NotBlank {
			patterns = append(patterns, notBlankPattern)
		}
		if f.ItemPattern != "" {
			patterns = append(patterns, f.ItemPattern)
		}
		setPatterns(items, patterns)
		p["items"] = items
	case "string":
		p["type"] = "string"
		if f.Format != "" {
			p["format"] = f.Format
		}
		if len(f.Enum) > 0 {
			enum := f.Enum
			if !f.Required {
				enum = append([]string{""}, enum...)
			}
			p["enum"] = enum
		}
		length := map[string]any{}
		setInt(length, "minLength", f.MinLength)
		setInt(length, "maxLength", f.MaxLength)
		var patterns []string
		if f.NotBlank {
			patterns = append(patterns, notBlankPattern)
		}
		if f.MinWords != nil {
			patterns = append(patterns, minWordsPattern(*f.MinWords))
		}
		if f.Pattern != "" {
			patterns = append(patterns, f.Pattern)
		}
		setPatterns(length, patterns)
		if !f.Required && f.MinLength != nil && *f.MinLength > 0 {
			// An optional text with a minimum length may also be empty.
			p["anyOf"] = []any{map[string]any{"const": ""}, length}
		} else {
			for k, v := range length {
				p[k] = v
			}
		}
	case "integer", "number":
		p["type"] = f.Type
		bounds := map[string]any{}
		if f.Minimum != nil {
			bounds["minimum"] = *f.Minimum
		}
		if f.Maximum != nil {
			bounds["maximum"] = *f.Maximum
		}
		if f.ZeroDefault {
			p["anyOf"] = []any{map[string]any{"const": 0}, bounds}
		} else {
			for k, v := range bounds {
				p[k] = v
			}
		}
	default:
		p["type"] = f.Type
	}
	return p
}

func setInt(m map[string]any, key string, v *int) {
	if v != nil {
		m[key] = *v
	}
}

// setPatterns sets one pattern as "pattern", several as an allOf of
// patterns (a schema object holds one pattern keyword only).
func setPatterns(m map[string]any, patterns []string) {
	switch len(patterns) {
	case 0:
	case 1:
		m["pattern"] = patterns[0]
	default:
		all := make([]any, len(patterns))
		for i, p := range patterns {
			all[i] = map[string]any{"pattern": p}
		}
		m["allOf"] = all
	}
}

// crossFieldSchemas returns the rules over several fields of type t.
func crossFieldSchemas(t Type) []any {
	isTrue := map[string]any{"const": true}
	out := []any{
		map[string]any{
			"description": "featured content must be published or scheduled",
			"if":          map[string]any{"properties": map[string]any{"featured": isTrue}, "required": []string{"featured"}},
			"then": map[string]any{"anyOf": []any{
				map[string]any{"properties": map[string]any{"published": isTrue}, "required": []string{"published"}},
				map[string]any{"required": []string{"scheduled_for"}},
			}},
		},
		map[string]any{
			"description": "featured and dry_run exclude each other",
			"not":         map[string]any{"properties": map[string]any{"featured": isTrue, "dry_run": isTrue}, "required": []string{"featured", "dry_run"}},
		},
	}
	if t == TypeSession {
		ofType := func(st SessionType) map[string]any {
			return map[string]any{"properties": map[string]any{"session_type": map[string]any{"const": string(st)}}, "required": []string{"session_type"}}
		}
		out = append(out,
			map[string]any{
				"description": "a live session needs an instructor",
				"if":          ofType(SessionLive),
				"then": map[string]any{
					"required":   []string{"instructor_name"},
					"properties": map[string]any{"instructor_name": map[string]any{"pattern": notBlankPattern}},
				},
			},
			map[string]any{
				"description": "a workshop needs at least " + strconv.Itoa(MinWorkshopParticipants) + " participants",
				"if":          ofType(SessionWorkshop),
				"then":        map[string]any{"properties": map[string]any{"participant_count": map[string]any{"minimum": MinWorkshopParticipants}}},
			},
		)
	}
	return out
}
