package approval_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
)

// FuzzParsePolicy parses each input as JSON and as YAML. Errors must wrap
// ErrInvalidPolicy, be valid UTF-8 and leave the zero Policy. A policy
// must validate, survive JSON and YAML round trips unchanged and plan
// every subject at a level it describes; a rule's types must match
// subjects of those types. LoadPolicy (through readLimited) is checked
// once, before fuzzing, as writing a file per input would make each input
// several times slower: it must read the seed files as ParsePolicy does,
// and both must hold to MaxPolicySize. The seed corpus is in
// testdata/fuzz/FuzzParsePolicy.
func FuzzParsePolicy(f *testing.F) {
	checkPolicySizeLimit(f)
	for _, name := range []string{"default_policy.json", "default_policy.yaml", "two_of_three.yaml", "unknown_key.json", "unknown_key.yaml"} {
		path := filepath.Join("testdata", name)
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		p, err := approval.ParsePolicy(data, strings.TrimPrefix(filepath.Ext(name), "."))
		lp, lerr := approval.LoadPolicy(path)
		switch {
		case err == nil && lerr == nil:
			if !reflect.DeepEqual(p, lp) {
				f.Fatalf("%s: LoadPolicy gave %+v, ParsePolicy %+v", name, lp, p)
			}
		case err == nil || lerr == nil || !errors.Is(lerr, approval.ErrInvalidPolicy) ||
			!strings.Contains(lerr.Error(), path) || !strings.HasSuffix(lerr.Error(), err.Error()):
			f.Fatalf("%s: LoadPolicy error %v, ParsePolicy error %v", name, lerr, err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"default_level":1,"levels":[{"level":1,"deadline":"4h","stages":[{"name":"a","roles":["x"],"required":1}]}],"rules":[{"name":"r","level":1,"types":["blog"],"min_priority":1,"max_priority":5,"featured":true,"urgencies":["critical"],"title_terms":["launch"]}]}`,
		"default_level: 1\nhealth_terms: [cure]\nlevels:\n  - {level: 1, mode: parallel, deadline: 90m, stages: [{name: a, roles: [x], required: 1}]}\nrules:\n  - {name: h, level: 1, health_claims: true, weekly: false}\n",
		`{"default_level":1,"levels":[],"rules":[],"escalate_to":"ceo"}`,
		`{"default_level":1,"levels":[{"level":1,"deadline":3600,"stages":[]}]}`,
		`{"default_level":1e400}`,
		`{"default_level":1} {}`,
		"default_level: 1\nlevels:\n  - {1: x}\n",
		"default_level: .nan\n",
		"a: &a [*a, *a]\n",
		"levels: [",
		"",
		"null",
		"\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"json", "yaml"} {
			p, err := approval.ParsePolicy(data, format)
			if err != nil {
				checkPolicyError(t, format, err)
				if !reflect.DeepEqual(p, approval.Policy{}) {
					t.Fatalf("%s: error %v with a policy %+v", format, err, p)
				}
			} else {
				checkPolicy(t, format, p)
			}
		}
	})
}

func checkPolicyError(t *testing.T, format string, err error) {
	t.Helper()
	if !errors.Is(err, approval.ErrInvalidPolicy) {
		t.Fatalf("%s: error does not wrap ErrInvalidPolicy: %v", format, err)
	}
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("%s: error message is not UTF-8: %q", format, err.Error())
	}
}

// checkPolicy checks a policy ParsePolicy accepted.
func checkPolicy(t testing.TB, format string, p approval.Policy) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("%s: parsed policy does not validate: %v", format, err)
	}
	// JSON and YAML round trips give the same policy.
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("%s: json.Marshal: %v", format, err)
	}
	want := normalPolicy(t, p)
	ys, err := yaml.Marshal(p)
	if err != nil {
		t.Fatalf("%s: yaml.Marshal: %v", format, err)
	}
	for _, rt := range []struct {
		format string
		data   []byte
	}{{"json", js}, {"yaml", ys}} {
		q, err := approval.ParsePolicy(rt.data, rt.format)
		if err != nil {
			t.Fatalf("%s: the policy written as %s does not parse: %v\n%s", format, rt.format, err, rt.data)
		}
		if got := normalPolicy(t, q); !bytes.Equal(got, want) {
			t.Fatalf("%s: %s round trip changed the policy:\n%s\n%s", format, rt.format, want, got)
		}
	}

	// Every plan has a described level with stages.
	subjects := []approval.Subject{
		{},
		{Type: content.TypeBlog, Priority: content.PriorityUrgent, Featured: true, Weekly: true,
			Urgency: content.UrgencyCritical, Title: "Launch", Text: "it cures", MinLevel: 2},
		{Type: content.TypeUpdate, Priority: content.PriorityArchive, MinLevel: 1 << 30},
	}
	for _, s := range subjects {
		plan := p.Plan(s)
		if len(plan.Stages) == 0 || !slices.ContainsFunc(p.Levels, func(l approval.LevelSpec) bool { return l.Level == plan.Level }) {
			t.Fatalf("%s: plan of %+v at level %d with %d stages", format, s, plan.Level, len(plan.Stages))
		}
	}

	// A rule's types match subjects of those types.
	for _, r := range p.Rules {
		for _, typ := range r.Types {
			canonical, err := content.ParseType(string(typ))
			if err != nil {
				t.Fatalf("%s: rule %q has type %q: %v", format, r.Name, typ, err)
			}
			only := p
			only.Rules = []approval.Rule{{Name: r.Name, Level: r.Level, Types: []content.Type{typ}}}
			if plan := only.Plan(approval.Subject{Type: canonical}); !slices.Contains(plan.Rules, r.Name) {
				t.Fatalf("%s: rule %q with type %q does not match a subject of type %q", format, r.Name, typ, canonical)
			}
		}
	}
}

// normalPolicy returns p as JSON without empty lists and null values,
// which decode alike (omitempty drops an empty list, yaml.Marshal writes a
// nil one as []).
func normalPolicy(t testing.TB, p approval.Policy) []byte {
	t.Helper()
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var tree any
	if err := json.Unmarshal(js, &tree); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	var prune func(any) any
	prune = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if e = prune(e); e == nil {
					delete(v, k)
				} else {
					v[k] = e
				}
			}
		case []any:
			if len(v) == 0 {
				return nil
			}
			for i, e := range v {
				v[i] = prune(e)
			}
		}
		return v
	}
	out, err := json.Marshal(prune(tree))
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return out
}

// checkPolicySizeLimit checks MaxPolicySize: a valid policy padded to the
// limit parses and loads, one byte more is refused by both.
func checkPolicySizeLimit(f *testing.F) {
	policy := []byte(`{"default_level":1,"levels":[{"level":1,"deadline":"4h","stages":[{"name":"a","roles":["x"],"required":1}]}]}`)
	dir := f.TempDir()
	for _, size := range []int{approval.MaxPolicySize, approval.MaxPolicySize + 1} {
		data := append(slices.Clone(policy), bytes.Repeat([]byte(" "), size-len(policy))...)
		path := filepath.Join(dir, "policy.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			f.Fatal(err)
		}
		_, perr := approval.ParsePolicy(data, "json")
		_, lerr := approval.LoadPolicy(path)
		for _, err := range []error{perr, lerr} {
			if size <= approval.MaxPolicySize && err != nil {
				f.Fatalf("%d bytes: %v", size, err)
			}
			if size > approval.MaxPolicySize && !errors.Is(err, approval.ErrInvalidPolicy) {
				f.Fatalf("%d bytes: error %v, want ErrInvalidPolicy", size, err)
			}
		}
	}
}
