package source

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

// maxNotionDepth is how deep nested block children are rendered.
const maxNotionDepth = 3

// NotionPage is one row of a Notion database, read from its properties:
// the title property ("Title", "Name" or the database's title column),
// Content or Description (rich text), Category or Type (select,
// multi-select or rich text; the first value), and Date (its start).
// Properties named like item flags — Published, Featured, Dry Run
// (checkboxes), Channels (multi-select), Priority (number or select),
// Template (select), Content Type (select), Scheduled For (date) — set
// Flags.
type NotionPage struct {
	ID       string
	Title    string
	Body     string // Markdown from the Content property; blocks are appended by the source
	Category string // as written in the database
	Date     time.Time
	Flags    content.Flags
	// Warnings are the flags that could not be read, with fields relative
	// to the page ("properties.Priority", "body").
	Warnings []content.Issue
}

// NotionBlock is one block of a page body. Text is the block's rich text
// as Markdown (plain text for code blocks).
type NotionBlock struct {
	ID          string
	Type        string // such as "paragraph", "heading_2", "to_do"
	Text        string
	Checked     bool   // for to_do
	Language    string // for code
	HasChildren bool
	Children    []NotionBlock
}

type notionList struct {
	Object     string            `json:"object"`
	Results    []json.RawMessage `json:"results"`
	NextCursor *string           `json:"next_cursor"`
	HasMore    bool              `json:"has_more"`
}

type notionRichText struct {
	PlainText   string `json:"plain_text"`
	Href        string `json:"href"`
	Annotations struct {
		Bold          bool `json:"bold"`
		Italic        bool `json:"italic"`
		Strikethrough bool `json:"strikethrough"`
		Code          bool `json:"code"`
	} `json:"annotations"`
	Text *struct {
		Content string `json:"content"`
		Link    *struct {
			URL string `json:"url"`
		} `json:"link"`
	} `json:"text"`
}

type notionOption struct {
	Name string `json:"name"`
}

type notionDate struct {
	Start string `json:"start"`
}

type notionProperty struct {
	Type        string           `json:"type"`
	Title       []notionRichText `json:"title"`
	RichText    []notionRichText `json:"rich_text"`
	Select      *notionOption    `json:"select"`
	Status      *notionOption    `json:"status"`
	MultiSelect []notionOption   `json:"multi_select"`
	Date        *notionDate      `json:"date"`
	Checkbox    bool             `json:"checkbox"`
	Number      *float64         `json:"number"`
}

type notionPageJSON struct {
	Object     string                    `json:"object"`
	ID         string                    `json:"id"`
	Archived   bool                      `json:"archived"`
	InTrash    bool                      `json:"in_trash"`
	Properties map[string]notionProperty `json:"properties"`
}

type notionBlockContent struct {
	RichText []notionRichText `json:"rich_text"`
	Checked  bool             `json:"checked"`
	Language string           `json:"language"`
}

type notionBlockJSON struct {
	Object      string `json:"object"`
	ID          string `json:"id"`
	Type        string `json:"type"`
	HasChildren bool   `json:"has_children"`
	Archived    bool   `json:"archived"`
	InTrash     bool   `json:"in_trash"`
}

// decodeNotionList reads a paginated list response and its cursor.
func decodeNotionList(op string, data []byte) (*notionList, string, error) {
	if len(data) > MaxDocumentSize {
		return nil, "", invalid(op, "", ErrTooLarge, "%d bytes, limit %d", len(data), MaxDocumentSize)
	}
	var l notionList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, "", invalid(op, "", ErrMalformed, "list response: %v", err)
	}
	if l.Object != "list" {
		return nil, "", invalid(op, "object", ErrMalformed, "object %q (want list)", l.Object)
	}
	next := ""
	if l.HasMore {
		if l.NextCursor == nil || *l.NextCursor == "" {
			return nil, "", invalid(op, "next_cursor", ErrMalformed, "has_more without next_cursor")
		}
		next = *l.NextCursor
	}
	return &l, next, nil
}

// DecodeNotionQuery reads one response of the Notion database query
// endpoint (POST /v1/databases/{id}/query). It returns the pages that are
// neither archived nor in the trash, and the cursor of the next response
// ("" on the last).
func DecodeNotionQuery(data []byte) ([]NotionPage, string, error) {
	const op = "notion: decode query"
	l, next, err := decodeNotionList(op, data)
	if err != nil {
		return nil, "", err
	}
	pages := make([]NotionPage, 0, len(l.Results))
	for i, raw := range l.Results {
		var p notionPageJSON
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, "", invalid(op, fmt.Sprintf("results[%d]", i), ErrMalformed, "page: %v", err)
		}
		if p.Object != "page" || p.Archived || p.InTrash {
			continue
		}
		pages = append(pages, p.decode())
	}
	return pages, next, nil
}

// decode reads a page's properties.
func (p *notionPageJSON) decode() NotionPage {
	out := NotionPage{ID: p.ID}
	names := make([]string, 0, len(p.Properties))
	for name := range p.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	find := func(want ...string) (notionProperty, bool) {
		for _, w := range want {
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(n), w) {
					return p.Properties[n], true
				}
			}
		}
		return notionProperty{}, false
	}
	if prop, ok := find("Title", "Name"); ok && prop.Type == "title" || ok && len(prop.Title) > 0 {
		out.Title = plainRichText(prop.Title)
	} else {
		for _, n := range names {
			if p.Properties[n].Type == "title" {
				out.Title = plainRichText(p.Properties[n].Title)
				break
			}
		}
	}
	out.Title = strings.Join(strings.Fields(out.Title), " ")
	if prop, ok := find("Content", "Description"); ok {
		out.Body = inlineMarkdown(richRuns(prop.RichText), false)
	}
	if prop, ok := find("Category", "Type"); ok {
		out.Category = strings.TrimSpace(propertyText(prop))
		if i := strings.IndexByte(out.Category, ','); i >= 0 {
			out.Category = strings.TrimSpace(out.Category[:i])
		}
	}
	if prop, ok := find("Date"); ok && prop.Date != nil {
		if t, ok := parseDate(prop.Date.Start); ok {
			out.Date = t
		}
	}
	for _, n := range names {
		name, ok := canonicalFlag(n)
		if !ok || strings.EqualFold(strings.TrimSpace(n), "type") {
			continue // "Type" is the category column
		}
		prop := p.Properties[n]
		value := propertyText(prop)
		if prop.Type == "checkbox" {
			value = strconv.FormatBool(prop.Checkbox)
		} else if value == "" {
			continue
		}
		if err := setFlag(&out.Flags, name, value, true); err != nil {
			out.Warnings = append(out.Warnings, flagIssue("properties."+n, err))
		}
	}
	return out
}

// propertyText renders a property's value as text: rich text and titles
// plainly, selects by name, multi-selects joined by commas, dates by
// their start, numbers in decimal.
func propertyText(p notionProperty) string {
	switch p.Type {
	case "title":
		return plainRichText(p.Title)
	case "rich_text":
		return plainRichText(p.RichText)
	case "select":
		if p.Select != nil {
			return p.Select.Name
		}
	case "status":
		if p.Status != nil {
			return p.Status.Name
		}
	case "multi_select":
		names := make([]string, 0, len(p.MultiSelect))
		for _, o := range p.MultiSelect {
			if n := strings.TrimSpace(o.Name); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ",")
	case "date":
		if p.Date != nil {
			return p.Date.Start
		}
	case "number":
		if p.Number != nil {
			return strconv.FormatFloat(*p.Number, 'f', -1, 64)
		}
	case "checkbox":
		return strconv.FormatBool(p.Checkbox)
	}
	return ""
}

// richRuns converts Notion rich text into styled runs.
func richRuns(rt []notionRichText) []mdRun {
	runs := make([]mdRun, 0, len(rt))
	for _, t := range rt {
		r := mdRun{
			Text:   t.PlainText,
			Bold:   t.Annotations.Bold,
			Italic: t.Annotations.Italic,
			Strike: t.Annotations.Strikethrough,
			Code:   t.Annotations.Code,
			Link:   t.Href,
		}
		if t.Text != nil {
			if r.Text == "" {
				r.Text = t.Text.Content
			}
			if r.Link == "" && t.Text.Link != nil {
				r.Link = t.Text.Link.URL
			}
		}
		runs = append(runs, r)
	}
	return runs
}

// plainRichText joins rich text without styles.
func plainRichText(rt []notionRichText) string { return plainText(richRuns(rt)) }

// DecodeNotionBlocks reads one response of the block children endpoint
// (GET /v1/blocks/{id}/children). It returns the blocks that are neither
// archived nor in the trash, and the cursor of the next response ("" on
// the last). Children of the blocks are not included; the source fetches
// them.
func DecodeNotionBlocks(data []byte) ([]NotionBlock, string, error) {
	const op = "notion: decode blocks"
	l, next, err := decodeNotionList(op, data)
	if err != nil {
		return nil, "", err
	}
	blocks := make([]NotionBlock, 0, len(l.Results))
	for i, raw := range l.Results {
		var head notionBlockJSON
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, "", invalid(op, fmt.Sprintf("results[%d]", i), ErrMalformed, "block: %v", err)
		}
		if head.Object != "block" || head.Archived || head.InTrash || head.Type == "" {
			continue
		}
		b := NotionBlock{ID: head.ID, Type: head.Type, HasChildren: head.HasChildren}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, "", invalid(op, fmt.Sprintf("results[%d]", i), ErrMalformed, "block: %v", err)
		}
		var c notionBlockContent
		if body, ok := fields[head.Type]; ok {
			if err := json.Unmarshal(body, &c); err != nil {
				return nil, "", invalid(op, fmt.Sprintf("results[%d].%s", i, head.Type), ErrMalformed, "block: %v", err)
			}
		}
		runs := richRuns(c.RichText)
		switch head.Type {
		case "code":
			b.Text = plainText(runs)
			b.Language = c.Language
		case "heading_1", "heading_2", "heading_3":
			b.Text = inlineMarkdown(runs, true)
		default:
			b.Text = inlineMarkdown(runs, false)
		}
		b.Checked = c.Checked
		blocks = append(blocks, b)
	}
	return blocks, next, nil
}

// NotionMarkdown renders blocks, with their children, as Markdown:
// paragraphs, headings 1-3 as "#" to "###", bulleted and numbered list
// items ("- ", "1. ") nested by indentation, to-dos as "- [ ]" or
// "- [x]", quotes and callouts as "> ", code in fences, dividers as
// "---"; other block types are skipped, as are paragraphs that are only
// an HTML flag comment (the source reads those as flags).
func NotionMarkdown(blocks []NotionBlock) string {
	var r notionRenderer
	r.render(blocks, "", 0)
	return strings.TrimSpace(r.b.String())
}

// notionRenderer writes blocks as Markdown. List items end with one line
// break and other blocks with two, so a blank line is added only when a
// block follows a list item.
type notionRenderer struct {
	b        strings.Builder
	lastList bool
}

func (r *notionRenderer) render(blocks []NotionBlock, indent string, depth int) {
	b := &r.b
	for _, bl := range blocks {
		list := bl.Type == "bulleted_list_item" || bl.Type == "numbered_list_item" || bl.Type == "to_do"
		if r.lastList && !list {
			b.WriteString("\n")
			r.lastList = false
		}
		switch bl.Type {
		case "paragraph", "toggle":
			if _, ok := flagComment(unescapeMarkdown(bl.Text)); ok || bl.Text == "" {
				break
			}
			b.WriteString(indent + bl.Text + "\n\n")
		case "heading_1", "heading_2", "heading_3":
			if bl.Text != "" {
				n := int(bl.Type[len(bl.Type)-1] - '0')
				b.WriteString(indent + strings.Repeat("#", n) + " " + bl.Text + "\n\n")
			}
		case "bulleted_list_item":
			b.WriteString(indent + "- " + bl.Text + "\n")
		case "numbered_list_item":
			b.WriteString(indent + "1. " + bl.Text + "\n")
		case "to_do":
			mark := "[ ] "
			if bl.Checked {
				mark = "[x] "
			}
			b.WriteString(indent + "- " + mark + bl.Text + "\n")
		case "quote", "callout":
			if bl.Text != "" {
				b.WriteString(indent + "> " + bl.Text + "\n\n")
			}
		case "code":
			fence := strings.Repeat("`", max(3, longestRun(bl.Text, '`')+1))
			b.WriteString(indent + fence + codeLanguage(bl.Language) + "\n")
			for _, line := range strings.Split(bl.Text, "\n") {
				b.WriteString(indent + line + "\n")
			}
			b.WriteString(indent + fence + "\n\n")
		case "divider":
			b.WriteString(indent + "---\n\n")
		}
		if list {
			r.lastList = true
		}
		if len(bl.Children) > 0 && depth < maxNotionDepth {
			childIndent := indent
			if list {
				childIndent += "    "
			}
			r.render(bl.Children, childIndent, depth+1)
		}
	}
}

// notionFlags reads the flag comments among blocks (top level only) into
// f, and returns warnings for the settings it could not read.
func notionFlags(f *content.Flags, blocks []NotionBlock, field string) []content.Issue {
	var issues []content.Issue
	for _, bl := range blocks {
		if bl.Type != "paragraph" {
			continue
		}
		c, ok := flagComment(unescapeMarkdown(bl.Text))
		if !ok {
			continue
		}
		for _, s := range splitFlags(c[4 : len(c)-3]) {
			if err := setFlag(f, s.key, s.value, s.hasValue); err != nil {
				issues = append(issues, flagIssue(field, err))
			}
		}
	}
	return issues
}

// unescapeMarkdown removes the backslash escapes escapeMarkdown added.
func unescapeMarkdown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] != '\n' {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// codeLanguage keeps a code block's language when it is a plain word.
func codeLanguage(lang string) string {
	if len(lang) > 32 {
		return ""
	}
	for _, r := range lang {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-#_.", r)) {
			return ""
		}
	}
	return lang
}
