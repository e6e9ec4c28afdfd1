package content

import (
	"html"
	"strings"
)

// Merge fills the merge tags of s ("{{name}}", "{{unsubscribe_url}}",
// "{{preferences_url}}", or any other "{{key}}") from vars, which maps a
// tag either in full (MergeName) or by its bare key ("name") to its value.
// Tags without a value are left as they are. When html is true, values
// are HTML-escaped, and a URL value (its key ends in "url") that is not
// http, https or mailto is replaced by "#", so that a merged link can
// never run script.
func Merge(s string, vars map[string]string, html bool) string {
	if len(vars) == 0 || !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		tag := s[i : i+2+j+2]
		key := strings.TrimSpace(tag[2 : len(tag)-2])
		v, ok := vars[tag]
		if !ok {
			v, ok = vars[key]
		}
		b.WriteString(s[:i])
		switch {
		case !ok:
			b.WriteString(tag)
		case html:
			b.WriteString(escapeMergeValue(key, v))
		default:
			b.WriteString(v)
		}
		s = s[i+len(tag):]
	}
	b.WriteString(s)
	return b.String()
}

func escapeMergeValue(key, v string) string {
	if strings.HasSuffix(strings.ToLower(key), "url") && !safeURL(v) {
		return "#"
	}
	return html.EscapeString(v)
}

// safeURL reports whether u is a relative URL or an http, https or mailto
// one.
func safeURL(u string) bool {
	u = strings.TrimSpace(u)
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return true // no scheme: relative
	}
	switch strings.ToLower(u[:i]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
