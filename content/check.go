package content

import (
	"context"
	"fmt"
)

// Check validates a document and the bundle assembled from it in one
// report: every item as typed content (fields prefixed "items[i]."), the
// bundle's channel variants, and the issues the assembler recorded in the
// bundle. An issue found twice (the assembler and the validator both run
// the brand checks) is reported once. The report's
// Metadata is that of the first item. Either argument may be nil.
func Check(ctx context.Context, v Validator, doc *Document, b *Bundle) *Report {
	r := &Report{Valid: true, Issues: []Issue{}, Warnings: []Issue{}}
	seen := map[Issue]bool{}
	add := func(prefix string, issues ...Issue) {
		for _, i := range issues {
			if prefix != "" {
				i.Field = prefix + i.Field
			}
			if !seen[i] {
				seen[i] = true
				r.Add(i)
			}
		}
	}
	var items []Item
	if doc != nil {
		items = doc.Items()
		// The DefaultValidator skips the enrichment of the items after
		// the first, whose Metadata the report leaves out.
		dv, _ := v.(*DefaultValidator)
		for i := range items {
			var ir *Report
			if dv != nil && i > 0 {
				ir = dv.validateContent(items[i].Typed(), false)
			} else {
				ir = v.ValidateContent(ctx, items[i].Typed())
			}
			prefix := ""
			if len(items) > 1 {
				prefix = fmt.Sprintf("items[%d].", i)
			}
			add(prefix, ir.Issues...)
			add(prefix, ir.Warnings...)
			if i == 0 {
				r.Type, r.Metadata = ir.Type, ir.Metadata
			}
		}
	}
	if b != nil {
		if r.Type == "" || len(items) > 1 {
			r.Type = b.ContentType
		}
		add("", b.Issues...)
		br := v.ValidateBundle(ctx, b)
		add("", br.Issues...)
		add("", br.Warnings...)
	}
	return r
}
