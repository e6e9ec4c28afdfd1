package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/halcytone/halcytone/content"
)

const opParseJSON = "source: parse json"

// ParseJSON parses a structured living document. It accepts:
//
//   - a list of items: [{"title", "content", "date", "category", ...}];
//   - an object of category → list of items: {"tips": [...], "app": [...]},
//     sections in the order written;
//   - a document: {"title", "items": [...]} or {"title", "sections":
//     [{"heading", "category", "items": [...]}]};
//   - one item: {"title", "content", ...}.
//
// An item has "title" and "content" (or "body", "description", "text"),
// and may have "date", "category" and the flags "type", "published",
// "channels" (a list or a comma-separated string), "priority" (1-5 or a
// name), "scheduled_for", "dry_run", "template" and "featured". Unknown
// fields are ignored. Items of a flat list are grouped into sections by
// category, in order of first appearance; items without one go to a
// general section.
//
// JSON is machine-written, so it is checked strictly: a field of the wrong
// type or an unreadable value fails with ErrMalformed, and the error's
// Field names its path, such as "items[2].date". A document without items
// fails with ErrEmpty.
func ParseJSON(data []byte) (*content.Document, error) {
	src, err := prepare(opParseJSON, data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntax("", err)
	}
	doc := &content.Document{Format: content.FormatJSON, Sections: []content.Section{}}
	switch tok {
	case json.Delim('['):
		var raw []json.RawMessage
		if err := json.Unmarshal(src, &raw); err != nil {
			return nil, jsonSyntax("", err)
		}
		if doc.Sections, err = jsonItemList(raw, "", content.CategoryGeneral); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		if err := jsonObject(doc, src, dec); err != nil {
			return nil, err
		}
	default:
		return nil, invalid(opParseJSON, "", ErrMalformed, "want a list of items or an object, got %s", jsonKind(src))
	}
	if len(doc.Items()) == 0 {
		return nil, invalid(opParseJSON, "", ErrEmpty, "no items")
	}
	return doc.Seal(), nil
}

// jsonObject parses a top-level object, whose first token dec has read.
func jsonObject(doc *content.Document, src []byte, dec *json.Decoder) error {
	// Keys in order, so that a category map keeps the order written.
	type member struct {
		key string
		raw json.RawMessage
	}
	var members []member
	byKey := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonSyntax("", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonSyntax(key, err)
		}
		members = append(members, member{key, raw})
		byKey[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return jsonSyntax("", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(opParseJSON, "", ErrMalformed, "unexpected data after the top-level object")
	}
	_, hasItems := byKey["items"]
	_, hasSections := byKey["sections"]
	switch {
	case hasItems || hasSections:
		if raw, ok := byKey["title"]; ok {
			if err := decodeField(raw, "title", &doc.Title); err != nil {
				return err
			}
		}
		if hasItems {
			secs, err := jsonItems(byKey["items"], "items", content.CategoryGeneral)
			if err != nil {
				return err
			}
			doc.Sections = append(doc.Sections, secs...)
		}
		if hasSections {
			secs, err := jsonSections(byKey["sections"])
			if err != nil {
				return err
			}
			doc.Sections = append(doc.Sections, secs...)
		}
	case hasAny(byKey, contentKeys) || hasAny(byKey, titleKeys):
		it, err := jsonItem(src, "", content.CategoryGeneral)
		if err != nil {
			return err
		}
		doc.Sections = addToSection(nil, map[content.Category]int{}, it)
	default:
		for _, m := range members {
			items, err := jsonItems(m.raw, m.key, labelCategory(m.key))
			if err != nil {
				return err
			}
			for _, s := range items {
				s.Heading = m.key
				doc.Sections = append(doc.Sections, s)
			}
		}
	}
	return nil
}

// jsonSections parses the "sections" list of a document object.
func jsonSections(raw json.RawMessage) ([]content.Section, error) {
	var list []json.RawMessage
	if err := decodeField(raw, "sections", &list); err != nil {
		return nil, err
	}
	out := make([]content.Section, 0, len(list))
	for i, r := range list {
		path := fmt.Sprintf("sections[%d]", i)
		var fields map[string]json.RawMessage
		if err := decodeField(r, path, &fields); err != nil {
			return nil, err
		}
		var heading, label string
		for _, k := range []string{"heading", "title", "name"} {
			if v, ok := fields[k]; ok {
				if err := decodeField(v, path+"."+k, &heading); err != nil {
					return nil, err
				}
				break
			}
		}
		if v, ok := fields["category"]; ok {
			if err := decodeField(v, path+".category", &label); err != nil {
				return nil, err
			}
		}
		cat := CategoryOf(heading)
		if strings.TrimSpace(label) != "" {
			cat = labelCategory(label)
		}
		sec := content.Section{Heading: heading, Category: cat, Items: []content.Item{}}
		if v, ok := fields["items"]; ok {
			var items []json.RawMessage
			if err := decodeField(v, path+".items", &items); err != nil {
				return nil, err
			}
			for j, ir := range items {
				it, err := jsonItem(ir, fmt.Sprintf("%s.items[%d]", path, j), cat)
				if err != nil {
					return nil, err
				}
				sec.Items = append(sec.Items, it)
			}
		}
		out = append(out, sec)
	}
	return out, nil
}

// jsonItems parses a list of items at path and groups them into sections
// by category.
func jsonItems(raw json.RawMessage, path string, cat content.Category) ([]content.Section, error) {
	var list []json.RawMessage
	if err := decodeField(raw, path, &list); err != nil {
		return nil, err
	}
	return jsonItemList(list, path, cat)
}

// jsonItemList parses items, defaulting their category to cat, and groups
// them into sections by category in order of first appearance.
func jsonItemList(list []json.RawMessage, path string, cat content.Category) ([]content.Section, error) {
	var secs []content.Section
	index := map[content.Category]int{}
	for i, r := range list {
		it, err := jsonItem(r, fmt.Sprintf("%s[%d]", path, i), cat)
		if err != nil {
			return nil, err
		}
		secs = addToSection(secs, index, it)
	}
	return secs, nil
}

// addToSection appends it to the section of its category, adding the
// section when it is the first of its category; index maps categories to
// positions in secs.
func addToSection(secs []content.Section, index map[content.Category]int, it content.Item) []content.Section {
	k, ok := index[it.Category]
	if !ok {
		k = len(secs)
		index[it.Category] = k
		heading := ""
		if it.Category != content.CategoryGeneral {
			heading = string(it.Category)
		}
		secs = append(secs, content.Section{Heading: heading, Category: it.Category, Items: []content.Item{}})
	}
	secs[k].Items = append(secs[k].Items, it)
	return secs
}

// The accepted names of an item's title and body fields, in order of
// preference.
var (
	titleKeys   = []string{"title", "name", "headline"}
	contentKeys = []string{"content", "body", "description", "text"}
)

// jsonItem parses one item at path (for error messages).
func jsonItem(raw json.RawMessage, path string, cat content.Category) (content.Item, error) {
	var fields map[string]json.RawMessage
	if err := decodeField(raw, path, &fields); err != nil {
		return content.Item{}, err
	}
	at := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	it := content.Item{Category: cat}
	if err := firstString(fields, titleKeys, at, &it.Title); err != nil {
		return it, err
	}
	if err := firstString(fields, contentKeys, at, &it.Body); err != nil {
		return it, err
	}
	it.Title, it.Body = strings.TrimSpace(it.Title), strings.TrimSpace(it.Body)
	if it.Title == "" && it.Body == "" {
		return it, invalid(opParseJSON, path, ErrMalformed, "item %s has neither a title nor content", orTop(path))
	}
	if v, ok := fields["date"]; ok && !isNull(v) {
		var s string
		if err := decodeField(v, at("date"), &s); err != nil {
			return it, err
		}
		d, ok := parseDate(s)
		if !ok {
			return it, invalid(opParseJSON, at("date"), ErrMalformed, "%s: %q is not a date (use 2006-01-02 or RFC 3339)", at("date"), s)
		}
		it.Date = d
	}
	if v, ok := fields["category"]; ok && !isNull(v) {
		var s string
		if err := decodeField(v, at("category"), &s); err != nil {
			return it, err
		}
		if strings.TrimSpace(s) != "" {
			it.Category = labelCategory(s)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		v := fields[key]
		name, ok := canonicalFlag(key)
		if !ok || isNull(v) {
			continue
		}
		value, err := flagValue(name, v, at(key))
		if err != nil {
			return it, err
		}
		if err := setFlag(&it.Flags, name, value, true); err != nil {
			return it, invalid(opParseJSON, at(key), ErrMalformed, "%s: %v", at(key), err)
		}
	}
	return it, nil
}

// flagValue turns a JSON flag value into the text setFlag reads, checking
// its JSON type: booleans for published, dry_run and featured; a number or
// a string for priority; a list of strings or a string for channels;
// strings for the rest.
func flagValue(name string, v json.RawMessage, path string) (string, error) {
	switch name {
	case flagPublished, flagDryRun, flagFeatured:
		var b bool
		if err := decodeField(v, path, &b); err != nil {
			return "", err
		}
		return fmt.Sprint(b), nil
	case flagPriority:
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			return n.String(), nil
		}
	case flagChannels:
		var list []string
		if err := json.Unmarshal(v, &list); err == nil {
			return strings.Join(list, ","), nil
		}
	}
	var s string
	if err := decodeField(v, path, &s); err != nil {
		return "", err
	}
	return s, nil
}

// firstString decodes the first of keys present in fields into dst.
func firstString(fields map[string]json.RawMessage, keys []string, at func(string) string, dst *string) error {
	for _, k := range keys {
		if v, ok := fields[k]; ok && !isNull(v) {
			return decodeField(v, at(k), dst)
		}
	}
	return nil
}

// decodeField unmarshals raw into dst, naming path and the JSON kinds in
// the error when the type is wrong.
func decodeField(raw json.RawMessage, path string, dst any) error {
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(opParseJSON, path, ErrMalformed, "%s: want %s, got %s", orTop(path), jsonWant(dst), jsonKind(raw))
		}
		return jsonSyntax(path, err)
	}
	return nil
}

// jsonSyntax wraps a decoding error as ErrMalformed.
func jsonSyntax(path string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid(opParseJSON, path, ErrMalformed, "invalid JSON at offset %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return invalid(opParseJSON, path, ErrMalformed, "invalid JSON: unexpected end of input")
	}
	return invalid(opParseJSON, path, ErrMalformed, "invalid JSON: %v", err)
}

// jsonKind names the kind of a JSON value for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonWant names what a decoding destination expects.
func jsonWant(dst any) string {
	switch dst.(type) {
	case *string:
		return "a string"
	case *bool:
		return "a boolean"
	case *[]json.RawMessage:
		return "a list"
	case *map[string]json.RawMessage:
		return "an object"
	}
	return fmt.Sprintf("%T", dst)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func hasAny(m map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}
