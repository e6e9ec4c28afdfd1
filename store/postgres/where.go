package postgres

import (
	"strconv"
	"strings"
)

// where builds a WHERE clause of AND-ed conditions with numbered
// arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond is replaced by the placeholder
// of v.
func (w *where) add(cond string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

// sql returns " WHERE a AND b", or "" without conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the placeholder the next argument will take.
func (w *where) next(extra int) string { return "$" + strconv.Itoa(len(w.args)+1+extra) }
