package approval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// MaxPolicySize bounds the size of a policy file that LoadPolicy and
// ParsePolicy accept.
const MaxPolicySize = 1 << 20

// LoadPolicy reads and validates a policy file. Its extension picks the
// format: .json, or .yaml or .yml.
func LoadPolicy(path string) (Policy, error) {
	var format string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = "json"
	case ".yaml", ".yml":
		format = "yaml"
	default:
		return Policy{}, fmt.Errorf("%w: policy file %s: extension must be .json, .yaml or .yml", ErrInvalidPolicy, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("approval: policy file: %w", err)
	}
	defer f.Close()
	data, err := readLimited(f)
	if err != nil {
		return Policy{}, fmt.Errorf("approval: policy file %s: %w", path, err)
	}
	p, err := ParsePolicy(data, format)
	if err != nil {
		return Policy{}, fmt.Errorf("policy file %s: %w", path, err)
	}
	return p, nil
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPolicySize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidPolicy, MaxPolicySize)
	}
	return data, nil
}

// ParsePolicy decodes and validates a policy in format "json" or "yaml"
// ("yml" too). Decoding is strict: an unknown key is an error that names
// it and where it is, such as `unknown key "rolez" in levels[1].stages[0]`.
// Errors wrap ErrInvalidPolicy.
func ParsePolicy(data []byte, format string) (Policy, error) {
	if len(data) > MaxPolicySize {
		return Policy{}, fmt.Errorf("%w: larger than %d bytes", ErrInvalidPolicy, MaxPolicySize)
	}
	var tree any
	switch strings.ToLower(format) {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&tree); err != nil {
			return Policy{}, fmt.Errorf("%w: json: %v", ErrInvalidPolicy, err)
		}
		if dec.More() {
			return Policy{}, fmt.Errorf("%w: json: data after the policy object", ErrInvalidPolicy)
		}
	case "yaml", "yml":
		if err := yaml.Unmarshal(data, &tree); err != nil {
			return Policy{}, fmt.Errorf("%w: yaml: %v", ErrInvalidPolicy, err)
		}
	default:
		return Policy{}, fmt.Errorf("%w: format %q (want json or yaml)", ErrInvalidPolicy, format)
	}
	if _, ok := tree.(map[string]any); !ok {
		return Policy{}, fmt.Errorf("%w: the policy must be an object of keys", ErrInvalidPolicy)
	}
	if err := checkKeys(tree, reflect.TypeFor[Policy](), ""); err != nil {
		return Policy{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	// The tree holds only JSON-compatible values now (checkKeys refused
	// non-string keys), so one decoder serves both formats.
	canonical, err := json.Marshal(tree)
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// checkKeys walks a decoded tree beside the Go type it will be decoded
// into and reports the first key that type does not have.
func checkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch node := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // the decoder reports the type mismatch
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(node))
		for k := range node {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown key %q in %s", k, where(path))
			}
			if err := checkKeys(node[k], ft, join(path, k)); err != nil {
				return err
			}
		}
	case map[any]any:
		return fmt.Errorf("non-string key in %s", where(path))
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, e := range node {
			if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func where(path string) string {
	if path == "" {
		return "the policy"
	}
	return path
}
