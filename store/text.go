package store

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// CheckText returns an error wrapping ErrInvalid when a string in v — a
// record such as a Job, with its nested maps, slices and pointers, map
// keys included — is not valid UTF-8 or holds NUL, which PostgreSQL
// refuses in text and JSON. Every store applies it to what it writes, so
// that the same write succeeds or fails alike on each. The error names
// the field, such as "metadata.note".
func CheckText(v any) error {
	if path := badText(reflect.ValueOf(v), ""); path != "" {
		return fmt.Errorf("%w: %s is not valid UTF-8 without NUL", ErrInvalid, path)
	}
	return nil
}

// badText returns the path of the first bad string in v, "" when none
// (or "(value)" for a bad string at the root).
func badText(v reflect.Value, path string) string {
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			if path == "" {
				return "(value)"
			}
			return path
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return badText(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // bytes, stored as such
		}
		for i := range v.Len() {
			if p := badText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			key := fmt.Sprint(it.Key().Interface())
			if p := badText(it.Key(), join(key)); p != "" {
				return p
			}
			if p := badText(it.Value(), join(key)); p != "" {
				return p
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				name = tag
			}
			if p := badText(v.Field(i), join(name)); p != "" {
				return p
			}
		}
	}
	return ""
}
