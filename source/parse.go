package source

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/halcytone/halcytone/content"
)

// Parse parses a living document in the given format. With format "" the
// format is chosen by DetectFormat. Markdown, JSON and text are
// understood; any other format is refused. The returned document has
// Format set and its Hash sealed.
func Parse(data []byte, format content.Format) (*content.Document, error) {
	if format == "" {
		format = DetectFormat(data)
	}
	switch format {
	case content.FormatMarkdown:
		return ParseMarkdown(data)
	case content.FormatJSON:
		return ParseJSON(data)
	case content.FormatText:
		return ParseText(data)
	}
	return nil, invalid("source: parse", "format", content.ErrUnknownValue, "format %q (want markdown, json or text)", format)
}

// DetectFormat picks the format of a document from its content: JSON when
// the first non-space byte is '{' or '[' and the whole input is valid JSON;
// Markdown when a line starts (after indentation) with "#", "- ", "* ",
// "**" or "<!--"; text otherwise.
func DetectFormat(data []byte) content.Format {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\uFEFF")), " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		return content.FormatJSON
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimLeft(line, " \t")
		for _, p := range markdownLineStarts {
			if bytes.HasPrefix(line, p) {
				return content.FormatMarkdown
			}
		}
	}
	return content.FormatText
}

var markdownLineStarts = [][]byte{[]byte("#"), []byte("- "), []byte("* "), []byte("**"), []byte("<!--")}

// dateLayouts are the date forms the parsers read, tried in order. Forms
// without a zone are taken as UTC. Numeric day/month forms such as
// 02/01/2006 are deliberately not read: they mean different days in
// different countries.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	time.DateOnly,
	"January 2, 2006",
	"January 2 2006",
	"Jan 2, 2006",
	"Jan 2 2006",
	"Jan. 2, 2006",
	"2 January 2006",
	"2 Jan 2006",
	"Monday, January 2, 2006",
	"Mon, Jan 2, 2006",
}

// parseDate reads a date in one of dateLayouts, case-insensitively for
// month names, and reports whether it could.
func parseDate(s string) (time.Time, bool) {
	if !mayBeDate(s) {
		return time.Time{}, false
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if !layoutMayRead(layout, s) {
			continue
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// layoutMayRead reports, cheaply, whether time.Parse may read s (no
// white space around it) in layout, one of dateLayouts: when it is false,
// time.Parse would fail (and allocate its error). A layout that opens
// with "2006-01-02" needs four digits, '-', two digits, '-', two digits,
// and then the end of s or the layout's next byte ('T' or ' '); one
// that opens with the day needs a digit first, and one that opens with a
// month or weekday name needs an ASCII letter first.
func layoutMayRead(layout, s string) bool {
	if s == "" {
		return false
	}
	switch c := layout[0]; {
	case strings.HasPrefix(layout, "2006-01-02"):
		if len(s) < 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:10]) {
			return false
		}
		if len(layout) == 10 {
			return len(s) == 10
		}
		return len(s) > 10 && (s[10] == layout[10] || s[10] == layout[10]|0x20)
	case c >= '0' && c <= '9':
		return s[0] >= '0' && s[0] <= '9'
	default:
		return s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z'
	}
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// mayBeDate reports, cheaply, whether s may be a date that parseDate
// reads: when it is false, parseDate cannot read s, so headings that are
// no dates are not tried against every layout (each failed time.Parse
// allocates an error). time.Parse reads ASCII digits
// only, accepts nothing after a layout's last element, and every one of
// dateLayouts ends in digits (a year, day, minute or second) or, in
// RFC 3339, in a zone that is "Z" or ends in digits. So a date holds an
// ASCII digit, and its last byte, white space aside (as parseDate joins
// the fields of s), is an ASCII digit or 'Z'.
func mayBeDate(s string) bool {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if s == "" {
		return false
	}
	if c := s[len(s)-1]; (c < '0' || c > '9') && c != 'Z' {
		return false
	}
	return strings.ContainsAny(s, "0123456789")
}

// dateSeparators may follow a date at the start of an item heading, as in
// "2026-11-20 — New sensor".
var dateSeparators = []string{" — ", "—", " – ", "–", " - ", " | ", ": ", " · "}

// splitDatePrefix splits an item heading that starts with a date into the
// date and the rest. A heading that is only a date gives an empty rest.
func splitDatePrefix(h string) (time.Time, string, bool) {
	if t, ok := parseDate(h); ok {
		return t, "", true
	}
	for _, sep := range dateSeparators {
		if i := strings.Index(h, sep); i > 0 {
			if t, ok := parseDate(h[:i]); ok {
				return t, strings.TrimSpace(h[i+len(sep):]), true
			}
		}
	}
	return time.Time{}, h, false
}

// labelCategory returns the category a label such as "[App Updates]"
// names: a known category through CategoryOf, otherwise the label itself,
// lower-cased with its spaces collapsed, as a custom category.
func labelCategory(label string) content.Category {
	if c := CategoryOf(label); c != content.CategoryGeneral {
		return c
	}
	l := strings.Join(strings.Fields(strings.ToLower(label)), " ")
	if l == "" {
		return content.CategoryGeneral
	}
	return content.Category(l)
}

// splitCategoryLabel splits "[Category] Heading" into the label's category
// and the heading. ok is false when s does not start with a bracket label.
func splitCategoryLabel(s string) (content.Category, string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return "", s, false
	}
	i := strings.IndexByte(s, ']')
	if i < 0 {
		return "", s, false
	}
	label, rest := s[1:i], strings.TrimSpace(s[i+1:])
	if rest == "" {
		rest = strings.TrimSpace(label)
	}
	return labelCategory(label), rest, true
}
