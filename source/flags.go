package source

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/halcytone/halcytone/content"
)

// The item flags every parser understands, by canonical name. Markdown
// writes them in HTML comments ("<!-- type: blog; featured -->"), JSON as
// fields of an item.
const (
	flagType         = "type"
	flagPublished    = "published"
	flagChannels     = "channels"
	flagPriority     = "priority"
	flagScheduledFor = "scheduled_for"
	flagDryRun       = "dry_run"
	flagTemplate     = "template"
	flagFeatured     = "featured"
)

// flagAliases maps accepted spellings (after lower-casing and turning
// spaces and hyphens into underscores) to canonical flag names.
var flagAliases = map[string]string{
	flagType: flagType, "content_type": flagType,
	flagPublished: flagPublished, "publish": flagPublished,
	flagChannels: flagChannels, "channel": flagChannels,
	flagPriority:     flagPriority,
	flagScheduledFor: flagScheduledFor, "scheduled": flagScheduledFor, "schedule": flagScheduledFor, "schedule_time": flagScheduledFor,
	flagDryRun: flagDryRun, "dryrun": flagDryRun,
	flagTemplate: flagTemplate, "template_style": flagTemplate,
	flagFeatured: flagFeatured,
}

// errUnknownFlag is returned by setFlag for a name that is no flag.
var errUnknownFlag = errors.New("unknown flag")

// flagKeyReplacer turns the spaces and hyphens of a flag spelling into
// underscores. A strings.Replacer is immutable and safe for concurrent
// use, so one serves every call.
var flagKeyReplacer = strings.NewReplacer(" ", "_", "-", "_")

// canonicalFlag returns the canonical name of a flag spelling and whether
// it names a flag at all.
func canonicalFlag(key string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(key))
	k = flagKeyReplacer.Replace(k)
	c, ok := flagAliases[k]
	return c, ok
}

// flagSetting is one entry of a flag comment: a name with an optional
// value ("featured", "priority: 2").
type flagSetting struct {
	key, value string
	hasValue   bool
}

// splitFlags splits the text of a flag comment into its settings. Entries
// are separated by ";" or line breaks; a name is separated from its value
// by the first ":" or "=".
func splitFlags(spec string) []flagSetting {
	var out []flagSetting
	for _, part := range strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		s := flagSetting{key: part}
		if i := strings.IndexAny(part, ":="); i >= 0 {
			s = flagSetting{key: strings.TrimSpace(part[:i]), value: strings.TrimSpace(part[i+1:]), hasValue: true}
		}
		out = append(out, s)
	}
	return out
}

// setFlag sets the flag named key on f from its textual value. Boolean
// flags given without a value are true. It returns an error wrapping
// errUnknownFlag for an unknown name, and a message naming the flag and
// the value for a value it cannot read.
func setFlag(f *content.Flags, key, value string, hasValue bool) error {
	name, ok := canonicalFlag(key)
	if !ok {
		return fmt.Errorf("%w %q", errUnknownFlag, key)
	}
	if !hasValue || value == "" {
		switch name {
		case flagPublished, flagDryRun, flagFeatured:
			value = "true"
		default:
			return fmt.Errorf("flag %s needs a value", name)
		}
	}
	var err error
	switch name {
	case flagType:
		f.Type, err = content.ParseType(value)
	case flagPublished:
		f.Published, err = parseBool(name, value)
	case flagDryRun:
		f.DryRun, err = parseBool(name, value)
	case flagFeatured:
		f.Featured, err = parseBool(name, value)
	case flagChannels:
		f.Channels, err = content.ParseChannels(value)
	case flagPriority:
		f.Priority, err = parsePriority(value)
	case flagTemplate:
		f.Template, err = content.ParseTemplate(value)
	case flagScheduledFor:
		t, ok := parseDate(value)
		if !ok {
			return fmt.Errorf("flag %s: %q is not a date (want RFC 3339, like 2026-12-01T10:00:00Z)", name, value)
		}
		f.ScheduledFor = t
	}
	if err != nil {
		return fmt.Errorf("flag %s: %w", name, err)
	}
	return nil
}

// parseBool reads yes/no style booleans as well as strconv's.
func parseBool(name, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true or false)", s)
}

// parsePriority reads a priority as a number 1-5 or a name such as
// "urgent" or "high".
func parsePriority(s string) (content.Priority, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(s); err == nil {
		if p := content.Priority(n); p.Valid() {
			return p, nil
		}
		return 0, fmt.Errorf("%d is out of range 1-5", n)
	}
	for p := content.PriorityUrgent; p <= content.PriorityArchive; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%q is not a priority (want 1-5 or urgent, high, normal, low, archive)", s)
}

// flagIssue turns a setFlag error into a warning on the given field path.
func flagIssue(field string, err error) content.Issue {
	code := "invalid_flag"
	if errors.Is(err, errUnknownFlag) {
		code = "unknown_flag"
	}
	return content.Issue{Severity: content.SeverityWarning, Field: field, Code: code, Message: err.Error()}
}
