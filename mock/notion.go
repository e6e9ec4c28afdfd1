package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// notionVersionKnown reports whether the fake accepts Notion-Version v.
func notionVersionKnown(v string) bool {
	switch v {
	case "2021-05-13", "2021-08-16", "2022-02-22", "2022-06-28":
		return true
	}
	return false
}

// Notion is a fake of the Notion API: GET /v1/databases/{id}, POST
// /v1/databases/{id}/query and GET /v1/blocks/{id}/children, in the real
// JSON shapes, with cursor pagination (page_size up to 100, capped further
// by SetMaxPageSize; the cursor is the next row's or block's ID, as
// Notion's is). It requires a known Notion-Version header and the bearer
// token, logs every request, and answers scripted failures (FailNext)
// before anything else. Errors use Notion's shape,
// {"object":"error","status","code","message"}.
type Notion struct {
	fake
	token string

	dmu         sync.Mutex // guards everything below
	maxPageSize int
	n           int
	databases   map[string]*notionDB
	pages       map[string]*notionPageData
	blocks      map[string]*notionBlockData
}

type notionDB struct {
	id, title string
	pages     []string
}

type notionPageData struct {
	id, db     string
	properties map[string]any
	children   []string
}

type notionBlockData struct {
	id       string
	json     map[string]any
	children []string
}

// NotionPage is a database row added to the fake. Title, Content,
// Category (or Categories), and Date become the properties Name (title),
// Content (rich text), Category (select) or Type (multi-select), and Date
// (date); Properties adds or replaces raw property values in the API's
// shape. Blocks are the page body.
type NotionPage struct {
	Title      string
	Content    string
	Category   string
	Categories []string
	Date       string // such as "2026-11-20"
	Properties map[string]any
	Blocks     []NotionBlock
}

// NotionBlock is a block of a page body added to the fake.
type NotionBlock struct {
	// Type is the block type: "paragraph", "heading_1" to "heading_3",
	// "bulleted_list_item", "numbered_list_item", "to_do", "quote",
	// "code", "divider", or any other (sent with rich text only).
	Type     string
	Text     string
	Bold     bool
	Link     string
	Checked  bool   // for to_do
	Language string // for code
	Children []NotionBlock
}

// NewNotion returns a fake that accepts the integration token token, or
// any non-empty bearer token when token is "". It is not listening; use
// Start, or serve it as an http.Handler.
func NewNotion(token string) *Notion {
	return &Notion{
		token:       token,
		maxPageSize: 100,
		databases:   map[string]*notionDB{},
		pages:       map[string]*notionPageData{},
		blocks:      map[string]*notionBlockData{},
	}
}

// StartNotion returns a started Notion that tb closes at cleanup.
func StartNotion(tb testing.TB, token string) *Notion {
	tb.Helper()
	n := NewNotion(token)
	n.Start()
	tb.Cleanup(n.Close)
	return n
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, the Endpoint of a source.Notion.
func (n *Notion) Start() string { return n.start(n) }

// URL returns the base URL, or "" when not started.
func (n *Notion) URL() string { return n.url() }

// Close stops the listener, if started.
func (n *Notion) Close() { n.close() }

// FailNext makes the next n requests fail with status (such as 429, 500
// or 401), sending Retry-After when retryAfter is positive.
func (n *Notion) FailNext(count, status int, retryAfter time.Duration) {
	n.failNext(count, status, retryAfter)
}

// Requests returns the requests received so far.
func (n *Notion) Requests() []Request { return n.requests() }

// SetMaxPageSize caps the page size of list responses below the 100 that
// clients ask for, to exercise pagination; values outside 1-100 mean 100.
func (n *Notion) SetMaxPageSize(size int) {
	n.dmu.Lock()
	defer n.dmu.Unlock()
	if size < 1 || size > 100 {
		size = 100
	}
	n.maxPageSize = size
}

// newID returns the next ID, UUID-shaped like Notion's. Callers hold dmu.
func (n *Notion) newID() string {
	n.n++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x6e6f7469, n.n)
}

// AddDatabase adds an empty database and returns its ID (a new one when
// id is "").
func (n *Notion) AddDatabase(id, title string) string {
	n.dmu.Lock()
	defer n.dmu.Unlock()
	if id == "" {
		id = n.newID()
	}
	n.databases[normalizeID(id)] = &notionDB{id: id, title: title}
	return id
}

// AddPage adds a row to database db and returns the page's ID, or an
// error when the database does not exist.
func (n *Notion) AddPage(db string, p NotionPage) (string, error) {
	n.dmu.Lock()
	defer n.dmu.Unlock()
	d, ok := n.databases[normalizeID(db)]
	if !ok {
		return "", fmt.Errorf("mock: notion: no database %q", db)
	}
	id := n.newID()
	props := map[string]any{
		"Name": map[string]any{"id": "title", "type": "title", "title": richText(p.Title, false, "")},
	}
	if p.Content != "" {
		props["Content"] = map[string]any{"id": "cOnT", "type": "rich_text", "rich_text": richText(p.Content, false, "")}
	}
	if p.Category != "" {
		props["Category"] = map[string]any{"id": "cAtG", "type": "select",
			"select": map[string]any{"id": "opt-" + strings.ToLower(p.Category), "name": p.Category, "color": "default"}}
	}
	if len(p.Categories) > 0 {
		opts := make([]any, len(p.Categories))
		for i, c := range p.Categories {
			opts[i] = map[string]any{"id": "opt-" + strings.ToLower(c), "name": c, "color": "default"}
		}
		props["Type"] = map[string]any{"id": "tYpE", "type": "multi_select", "multi_select": opts}
	}
	if p.Date != "" {
		props["Date"] = map[string]any{"id": "dAtE", "type": "date",
			"date": map[string]any{"start": p.Date, "end": nil, "time_zone": nil}}
	}
	for k, v := range p.Properties {
		props[k] = v
	}
	page := &notionPageData{id: id, db: d.id, properties: props}
	page.children = n.addBlocks(id, "page_id", p.Blocks)
	n.pages[normalizeID(id)] = page
	d.pages = append(d.pages, id)
	return id, nil
}

// addBlocks stores blocks under parent and returns their IDs. Callers
// hold dmu.
func (n *Notion) addBlocks(parent, parentType string, blocks []NotionBlock) []string {
	ids := make([]string, 0, len(blocks))
	for _, b := range blocks {
		id := n.newID()
		typ := b.Type
		if typ == "" {
			typ = "paragraph"
		}
		body := map[string]any{"rich_text": richText(b.Text, b.Bold, b.Link), "color": "default"}
		switch typ {
		case "to_do":
			body["checked"] = b.Checked
		case "code":
			body = map[string]any{"rich_text": richText(b.Text, false, ""), "language": b.Language, "caption": []any{}}
		case "divider":
			body = map[string]any{}
		case "heading_1", "heading_2", "heading_3":
			body["is_toggleable"] = false
		}
		data := &notionBlockData{id: id}
		data.children = n.addBlocks(id, "block_id", b.Children)
		data.json = map[string]any{
			"object":           "block",
			"id":               id,
			"parent":           map[string]any{"type": parentType, parentType: parent},
			"created_time":     "2026-01-01T00:00:00.000Z",
			"last_edited_time": "2026-01-01T00:00:00.000Z",
			"has_children":     len(data.children) > 0,
			"archived":         false,
			"in_trash":         false,
			"type":             typ,
			typ:                body,
		}
		n.blocks[normalizeID(id)] = data
		ids = append(ids, id)
	}
	return ids
}

// richText returns Notion rich text for s: one text object, or none for
// "".
func richText(s string, bold bool, link string) []any {
	if s == "" {
		return []any{}
	}
	var l, href any
	if link != "" {
		l, href = map[string]any{"url": link}, link
	}
	return []any{map[string]any{
		"type": "text",
		"text": map[string]any{"content": s, "link": l},
		"annotations": map[string]any{"bold": bold, "italic": false, "strikethrough": false,
			"underline": false, "code": false, "color": "default"},
		"plain_text": s,
		"href":       href,
	}}
}

// normalizeID drops the dashes of a UUID, so both spellings find an
// object, as in the real API.
func normalizeID(id string) string { return strings.ToLower(strings.ReplaceAll(id, "-", "")) }

// ServeHTTP answers the three endpoints.
func (n *Notion) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, fl := n.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { n.answered(i, rec.status) }()
	if fl != nil {
		setRetryAfter(rec, fl.retryAfter)
		code := "internal_server_error"
		switch fl.status {
		case http.StatusTooManyRequests:
			code = "rate_limited"
		case http.StatusUnauthorized:
			code = "unauthorized"
		case http.StatusServiceUnavailable:
			code = "service_unavailable"
		}
		notionError(rec, fl.status, code, "scripted failure")
		return
	}
	tok, ok := bearer(r)
	if !ok || (n.token != "" && tok != n.token) {
		notionError(rec, http.StatusUnauthorized, "unauthorized", "API token is invalid.")
		return
	}
	if v := r.Header.Get("Notion-Version"); v == "" {
		notionError(rec, http.StatusBadRequest, "missing_version", "Notion-Version header failed validation: Notion-Version header should be defined.")
		return
	} else if !notionVersionKnown(v) {
		notionError(rec, http.StatusBadRequest, "validation_error", fmt.Sprintf("Notion-Version header failed validation: %q is not a known version.", v))
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "v1" && parts[1] == "databases" && r.Method == http.MethodGet:
		n.database(rec, parts[2])
	case len(parts) == 4 && parts[0] == "v1" && parts[1] == "databases" && parts[3] == "query" && r.Method == http.MethodPost:
		n.query(rec, parts[2], body)
	case len(parts) == 4 && parts[0] == "v1" && parts[1] == "blocks" && parts[3] == "children" && r.Method == http.MethodGet:
		n.children(rec, parts[2], r.URL.Query())
	default:
		notionError(rec, http.StatusBadRequest, "invalid_request_url", "Invalid request URL.")
	}
}

// database answers GET /v1/databases/{id}.
func (n *Notion) database(w http.ResponseWriter, id string) {
	n.dmu.Lock()
	d, ok := n.databases[normalizeID(id)]
	var resp map[string]any
	if ok {
		resp = map[string]any{
			"object": "database", "id": d.id,
			"title": richText(d.title, false, ""),
			"properties": map[string]any{
				"Name":     map[string]any{"id": "title", "name": "Name", "type": "title", "title": map[string]any{}},
				"Content":  map[string]any{"id": "cOnT", "name": "Content", "type": "rich_text", "rich_text": map[string]any{}},
				"Category": map[string]any{"id": "cAtG", "name": "Category", "type": "select", "select": map[string]any{"options": []any{}}},
				"Date":     map[string]any{"id": "dAtE", "name": "Date", "type": "date", "date": map[string]any{}},
			},
			"archived": false, "in_trash": false, "is_inline": false,
		}
	}
	n.dmu.Unlock()
	if !ok {
		notionNotFound(w, "database", id)
		return
	}
	writeJSON(w, resp)
}

// query answers POST /v1/databases/{id}/query.
func (n *Notion) query(w http.ResponseWriter, id string, body []byte) {
	var req struct {
		PageSize    *int   `json:"page_size"`
		StartCursor string `json:"start_cursor"`
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			notionError(w, http.StatusBadRequest, "invalid_json", "Error parsing JSON body.")
			return
		}
	}
	size, ok := pageSize(w, req.PageSize)
	if !ok {
		return
	}
	n.dmu.Lock()
	d, found := n.databases[normalizeID(id)]
	var results []any
	next, ok := "", true
	if found {
		var ids []string
		ids, next, ok = n.window(d.pages, req.StartCursor, size)
		for _, pid := range ids {
			results = append(results, n.pageJSON(n.pages[normalizeID(pid)]))
		}
	}
	n.dmu.Unlock()
	switch {
	case !found:
		notionNotFound(w, "database", id)
	case !ok:
		notionError(w, http.StatusBadRequest, "validation_error", "start_cursor is invalid.")
	default:
		writeJSON(w, listJSON(results, next, "page_or_database"))
	}
}

// children answers GET /v1/blocks/{id}/children, for pages and blocks.
func (n *Notion) children(w http.ResponseWriter, id string, q map[string][]string) {
	var size *int
	if v := first(q["page_size"]); v != "" {
		s, err := strconv.Atoi(v)
		if err != nil {
			notionError(w, http.StatusBadRequest, "validation_error", "page_size should be a number.")
			return
		}
		size = &s
	}
	limit, ok := pageSize(w, size)
	if !ok {
		return
	}
	n.dmu.Lock()
	var kids []string
	found := false
	if p, ok := n.pages[normalizeID(id)]; ok {
		kids, found = p.children, true
	} else if b, ok := n.blocks[normalizeID(id)]; ok {
		kids, found = b.children, true
	}
	var results []any
	next, valid := "", true
	if found {
		var ids []string
		ids, next, valid = n.window(kids, first(q["start_cursor"]), limit)
		for _, bid := range ids {
			results = append(results, n.blocks[normalizeID(bid)].json)
		}
	}
	n.dmu.Unlock()
	switch {
	case !found:
		notionNotFound(w, "block", id)
	case !valid:
		notionError(w, http.StatusBadRequest, "validation_error", "start_cursor is invalid.")
	default:
		writeJSON(w, listJSON(results, next, "block"))
	}
}

// window returns up to size IDs of ids starting at cursor (an ID of the
// list, or "" for the start), the next cursor, and whether the cursor
// was valid. Callers hold dmu.
func (n *Notion) window(ids []string, cursor string, size int) ([]string, string, bool) {
	size = min(size, n.maxPageSize)
	start := 0
	if cursor != "" {
		start = -1
		for i, id := range ids {
			if normalizeID(id) == normalizeID(cursor) {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, "", false
		}
	}
	end := min(start+size, len(ids))
	next := ""
	if end < len(ids) {
		next = ids[end]
	}
	return ids[start:end], next, true
}

// pageSize validates a page_size (default 100, 1-100).
func pageSize(w http.ResponseWriter, size *int) (int, bool) {
	if size == nil {
		return 100, true
	}
	if *size < 1 || *size > 100 {
		notionError(w, http.StatusBadRequest, "validation_error", "body failed validation: body.page_size should be ≤ 100 and ≥ 1.")
		return 0, false
	}
	return *size, true
}

// pageJSON renders a page object. Callers hold dmu.
func (n *Notion) pageJSON(p *notionPageData) map[string]any {
	return map[string]any{
		"object":           "page",
		"id":               p.id,
		"created_time":     "2026-01-01T00:00:00.000Z",
		"last_edited_time": "2026-01-01T00:00:00.000Z",
		"archived":         false,
		"in_trash":         false,
		"parent":           map[string]any{"type": "database_id", "database_id": p.db},
		"url":              "https://www.notion.so/" + normalizeID(p.id),
		"properties":       p.properties,
	}
}

// listJSON renders a paginated list.
func listJSON(results []any, next, typ string) map[string]any {
	if results == nil {
		results = []any{}
	}
	var cursor any
	if next != "" {
		cursor = next
	}
	return map[string]any{
		"object": "list", "results": results, "next_cursor": cursor,
		"has_more": next != "", "type": typ, typ: map[string]any{},
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// notionNotFound writes Notion's 404 for an object that does not exist or
// is not shared with the integration.
func notionNotFound(w http.ResponseWriter, kind, id string) {
	notionError(w, http.StatusNotFound, "object_not_found",
		fmt.Sprintf("Could not find %s with ID: %s. Make sure the relevant pages and databases are shared with your integration.", kind, id))
}

// notionError writes a Notion API error response.
func notionError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "error", "status": status, "code": code, "message": msg})
}

// writeJSON writes v as a 200 JSON response.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
