package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Notion API constants.
const (
	// DefaultNotionEndpoint is the Notion API's base URL.
	DefaultNotionEndpoint = "https://api.notion.com"
	// NotionVersion is the API version the source speaks, sent as the
	// Notion-Version header.
	NotionVersion = "2022-06-28"
	// DefaultNotionMaxPages caps the database rows read per fetch.
	DefaultNotionMaxPages = 500
	// DefaultNotionMaxBlocks caps the blocks read per fetch, all pages
	// together.
	DefaultNotionMaxBlocks = 20000
	// notionPageSize is the page_size of every list request (Notion's
	// maximum).
	notionPageSize = 100
)

// NotionConfig configures a Notion source.
type NotionConfig struct {
	// Token is the integration's secret, sent as a bearer token.
	Token string
	// Endpoint is the API base URL; empty means DefaultNotionEndpoint.
	Endpoint string
	// HTTPClient sends the requests; nil means a client with no timeout of
	// its own (Timeout applies per request).
	HTTPClient *http.Client
	// Timeout caps one request and its body; 0 means
	// DefaultRemoteTimeout.
	Timeout time.Duration
	// MaxBytes caps one response; 0 means MaxDocumentSize.
	MaxBytes int64
	// MaxPages caps the rows read; 0 means DefaultNotionMaxPages.
	MaxPages int
	// MaxBlocks caps the body blocks read; 0 means DefaultNotionMaxBlocks.
	MaxBlocks int
	// Retry is the retry policy for each request.
	Retry Retry
}

// Notion reads a Notion database as a living document. References are
// "notion:<database id>". Each row becomes an item: its title, its
// Content or Description property followed by its page body (the block
// children, as Markdown), its Date, and flags from flag-named properties
// or "<!-- ... -->" paragraphs; items are grouped into sections by their
// Category or Type, in order of first appearance. Rows and blocks beyond
// MaxPages and MaxBlocks are left out with a warning on the document.
// Requests are retried by the Retry policy, honouring Retry-After on 429.
// Create it with NewNotion; it is safe for concurrent use.
type Notion struct {
	cfg NotionConfig
}

// NewNotion returns a Notion source for cfg. It fails when Token is
// empty or Endpoint is not an http(s) URL.
func NewNotion(cfg NotionConfig) (*Notion, error) {
	const op = "notion: configure"
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, content.Errorf(content.AuthExpired, op, "no integration token")
	}
	cfg.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultNotionEndpoint
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, content.Errorf(content.InvalidContent, op, "endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRemoteTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = MaxDocumentSize
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultNotionMaxPages
	}
	if cfg.MaxBlocks <= 0 {
		cfg.MaxBlocks = DefaultNotionMaxBlocks
	}
	return &Notion{cfg: cfg}, nil
}

// Fetch reads the database named by ref ("notion:<database id>").
func (n *Notion) Fetch(ctx context.Context, ref string) (*content.Document, error) {
	const op = "notion: fetch"
	id, ok := strings.CutPrefix(ref, "notion:")
	if !ok || !isNotionID(id) {
		return nil, content.Errorf(content.InvalidContent, op, "reference %q is not notion:<database id> (32 hex digits)", ref)
	}
	title, err := n.databaseTitle(ctx, id)
	if err != nil {
		return nil, err
	}
	f := &notionFetch{n: n, blocksLeft: n.cfg.MaxBlocks, requestsLeft: notionRequests(n.cfg)}
	pages, err := f.query(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range pages {
		if err := f.body(ctx, &pages[i], fmt.Sprintf("pages[%d]", i)); err != nil {
			return nil, err
		}
	}
	doc := notionDocument(title, pages)
	doc.Warnings = append(doc.Warnings, f.warnings...)
	if len(doc.Items()) == 0 {
		return nil, invalid(op, "", ErrEmpty, "database %s has no rows with a title or content", id)
	}
	return finish(doc, ref, content.FormatNotion), nil
}

// isNotionID reports whether s is a Notion ID: 32 hex digits, with or
// without the dashes of a UUID.
func isNotionID(s string) bool {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || len(s) > 36 {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// databaseTitle reads the database's title (GET /v1/databases/{id}).
func (n *Notion) databaseTitle(ctx context.Context, id string) (string, error) {
	const op = "notion: databases.retrieve"
	body, err := n.call(ctx, op, http.MethodGet, "/v1/databases/"+url.PathEscape(id), nil)
	if err != nil {
		return "", err
	}
	var db struct {
		Title []notionRichText `json:"title"`
	}
	if err := json.Unmarshal(body, &db); err != nil {
		return "", invalid(op, "", ErrMalformed, "database %s: %v", id, err)
	}
	return strings.Join(strings.Fields(plainRichText(db.Title)), " "), nil
}

// notionFetch holds the budget and findings of one Fetch.
type notionFetch struct {
	n            *Notion
	blocksLeft   int
	requestsLeft int // see notionRequests
	warnings     []content.Issue
}

// notionRequests bounds the API requests of one fetch: every request but
// the last of each list returns at least one row or block, so a database
// within the caps needs fewer. A server whose cursors go round in a cycle
// of empty pages stops here instead of being asked for ever.
func notionRequests(cfg NotionConfig) int { return cfg.MaxPages + 2*cfg.MaxBlocks + 16 }

// call makes one request of the fetch, within its budget.
func (f *notionFetch) call(ctx context.Context, op, method, path string, payload []byte) ([]byte, error) {
	if f.requestsLeft <= 0 {
		return nil, invalid(op, "next_cursor", ErrMalformed, "more than %d requests for one fetch: the API's cursors do not end", notionRequests(f.n.cfg))
	}
	f.requestsLeft--
	return f.n.call(ctx, op, method, path, payload)
}

// query reads every row of the database, following cursors, up to
// MaxPages.
func (f *notionFetch) query(ctx context.Context, id string) ([]NotionPage, error) {
	const op = "notion: databases.query"
	var pages []NotionPage
	cursor := ""
	for {
		req := map[string]any{"page_size": notionPageSize}
		if cursor != "" {
			req["start_cursor"] = cursor
		}
		payload, _ := json.Marshal(req) // a map of a string and an int always marshals
		body, err := f.call(ctx, op, http.MethodPost, "/v1/databases/"+url.PathEscape(id)+"/query", payload)
		if err != nil {
			return nil, err
		}
		batch, next, err := DecodeNotionQuery(body)
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			if len(pages) == f.n.cfg.MaxPages {
				f.warn("pages", fmt.Sprintf("database has more than %d rows; the rest are left out", f.n.cfg.MaxPages))
				return pages, nil
			}
			pages = append(pages, p)
		}
		if next == "" {
			return pages, nil
		}
		if next == cursor {
			return nil, invalid(op, "next_cursor", ErrMalformed, "cursor %q repeats", next)
		}
		cursor = next
	}
}

// body appends the page's blocks, as Markdown, to its Body, and reads the
// flag comments among them.
func (f *notionFetch) body(ctx context.Context, p *NotionPage, field string) error {
	blocks, err := f.children(ctx, p.ID, field, 0)
	if err != nil {
		return err
	}
	p.Warnings = append(p.Warnings, notionFlags(&p.Flags, blocks, "body")...)
	if md := NotionMarkdown(blocks); md != "" {
		if p.Body != "" {
			p.Body += "\n\n"
		}
		p.Body += md
	}
	return nil
}

// children reads the children of block (or page) id, following cursors,
// and their own children up to maxNotionDepth, within the block budget.
func (f *notionFetch) children(ctx context.Context, id, field string, depth int) ([]NotionBlock, error) {
	const op = "notion: blocks.children.list"
	if id == "" || f.blocksLeft <= 0 {
		return nil, nil
	}
	var blocks []NotionBlock
	cursor := ""
	for {
		q := url.Values{"page_size": {fmt.Sprint(notionPageSize)}}
		if cursor != "" {
			q.Set("start_cursor", cursor)
		}
		body, err := f.call(ctx, op, http.MethodGet, "/v1/blocks/"+url.PathEscape(id)+"/children?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		batch, next, err := DecodeNotionBlocks(body)
		if err != nil {
			return nil, err
		}
		for _, b := range batch {
			if f.blocksLeft <= 0 {
				f.warn(field, fmt.Sprintf("more than %d blocks; the rest are left out", f.n.cfg.MaxBlocks))
				return blocks, nil
			}
			f.blocksLeft--
			blocks = append(blocks, b)
		}
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	if depth+1 < maxNotionDepth {
		for i := range blocks {
			if !blocks[i].HasChildren || blocks[i].Type == "child_page" || blocks[i].Type == "child_database" {
				continue
			}
			kids, err := f.children(ctx, blocks[i].ID, field, depth+1)
			if err != nil {
				return nil, err
			}
			blocks[i].Children = kids
		}
	}
	return blocks, nil
}

// warn records a truncation once per field.
func (f *notionFetch) warn(field, msg string) {
	for _, w := range f.warnings {
		if w.Field == field {
			return
		}
	}
	f.warnings = append(f.warnings, content.Issue{
		Severity: content.SeverityWarning, Field: field, Code: "truncated", Message: msg,
	})
}

// call sends one request, with retries, and returns the body of its 2xx
// response.
func (n *Notion) call(ctx context.Context, op, method, path string, payload []byte) ([]byte, error) {
	var body []byte
	err := n.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		body, err = n.once(ctx, op, method, path, payload)
		return err
	})
	return body, err
}

// once sends one request.
func (n *Notion) once(ctx context.Context, op, method, path string, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.cfg.Endpoint+path, rd)
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+n.cfg.Token)
	req.Header.Set("Notion-Version", NotionVersion)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := n.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(op, resp, time.Now())
	}
	return readBody(op, resp.Body, n.cfg.MaxBytes)
}

// notionDocument groups pages into sections by category, in order of
// first appearance. Pages with neither a title nor a body are skipped.
func notionDocument(title string, pages []NotionPage) *content.Document {
	doc := &content.Document{Title: title}
	index := map[content.Category]int{}
	for i, p := range pages {
		if p.Title == "" && strings.TrimSpace(p.Body) == "" {
			continue
		}
		label := p.Category
		if label == "" {
			label = "General"
		}
		cat := labelCategory(label)
		si, ok := index[cat]
		if !ok {
			si = len(doc.Sections)
			index[cat] = si
			doc.Sections = append(doc.Sections, content.Section{Heading: label, Category: cat})
		}
		it := content.Item{Title: p.Title, Body: p.Body, Date: p.Date, Category: cat, Flags: p.Flags}
		if it.Title == "" {
			it.Title = content.Truncate(firstLine(p.Body), 80)
		}
		doc.Sections[si].Items = append(doc.Sections[si].Items, it)
		for _, w := range p.Warnings {
			w.Field = fmt.Sprintf("pages[%d].%s", i, w.Field)
			doc.Warnings = append(doc.Warnings, w)
		}
	}
	return doc
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
