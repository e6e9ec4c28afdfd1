package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// GoogleDocs is a fake of the Google Docs API: GET /v1/documents/{id}
// answers with the documents.get JSON of the documents added to it. It
// checks the bearer token, logs every request, and answers scripted
// failures (FailNext) before anything else. Errors use Google's shape,
// {"error":{"code","message","status"}}.
type GoogleDocs struct {
	fake
	check func(token string) bool
	dmu   sync.Mutex // guards docs
	docs  map[string][]byte
}

// NewGoogleDocs returns a fake that accepts the bearer tokens check
// approves (such as (*OAuth).Valid), or any non-empty token when check is
// nil. It is not listening; use Start, or serve it as an http.Handler.
func NewGoogleDocs(check func(token string) bool) *GoogleDocs {
	return &GoogleDocs{check: check, docs: map[string][]byte{}}
}

// StartGoogleDocs returns a started GoogleDocs that tb closes at cleanup.
func StartGoogleDocs(tb testing.TB, check func(token string) bool) *GoogleDocs {
	tb.Helper()
	g := NewGoogleDocs(check)
	g.Start()
	tb.Cleanup(g.Close)
	return g
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, the Endpoint of a source.GoogleDocs.
func (g *GoogleDocs) Start() string { return g.start(g) }

// URL returns the base URL, or "" when not started.
func (g *GoogleDocs) URL() string { return g.url() }

// Close stops the listener, if started.
func (g *GoogleDocs) Close() { g.close() }

// FailNext makes the next n requests fail with status (such as 429, 500
// or 401), sending Retry-After when retryAfter is positive.
func (g *GoogleDocs) FailNext(n, status int, retryAfter time.Duration) {
	g.failNext(n, status, retryAfter)
}

// Requests returns the requests received so far.
func (g *GoogleDocs) Requests() []Request { return g.requests() }

// AddRawDocument serves body, verbatim, as document id.
func (g *GoogleDocs) AddRawDocument(id string, body []byte) {
	g.dmu.Lock()
	defer g.dmu.Unlock()
	g.docs[id] = append([]byte(nil), body...)
}

// DocRun is a run of text with one style in a DocParagraph.
type DocRun struct {
	Text         string
	Bold, Italic bool
	Link         string // a URL
}

// DocParagraph is a paragraph of a fake Google Doc.
type DocParagraph struct {
	// Style is the namedStyleType: "NORMAL_TEXT" (the default), "TITLE",
	// "SUBTITLE" or "HEADING_1" to "HEADING_6".
	Style string
	Runs  []DocRun
	// Bullet makes the paragraph a list item at nesting Level (0-8);
	// Ordered numbers the list instead of bulleting it.
	Bullet, Ordered bool
	Level           int
}

// DocHeading returns a heading paragraph: level 0 is the TITLE style,
// 1-6 HEADING_1 to HEADING_6.
func DocHeading(level int, text string) DocParagraph {
	style := "TITLE"
	if level > 0 {
		style = fmt.Sprintf("HEADING_%d", level)
	}
	return DocParagraph{Style: style, Runs: []DocRun{{Text: text}}}
}

// DocText returns a normal paragraph of runs.
func DocText(runs ...DocRun) DocParagraph { return DocParagraph{Runs: runs} }

// DocBullet returns a bulleted list item at level.
func DocBullet(level int, runs ...DocRun) DocParagraph {
	return DocParagraph{Runs: runs, Bullet: true, Level: level}
}

// AddDocument serves a document with the given file title and paragraphs,
// rendered in the real documents.get shape (body.content with start and
// end indexes in UTF-16 units, paragraph styles, text runs, bullets and
// the lists they belong to).
func (g *GoogleDocs) AddDocument(id, title string, paragraphs ...DocParagraph) {
	// Marshalling cannot fail: the value holds only maps, slices,
	// strings, numbers and bools.
	body, _ := json.Marshal(docJSON(id, title, paragraphs))
	g.AddRawDocument(id, body)
}

// docJSON builds the documents.get response of a document.
func docJSON(id, title string, paragraphs []DocParagraph) map[string]any {
	const bulletList, orderedList = "kix.mockbullets", "kix.mocknumbers"
	index := 1
	content := []any{map[string]any{"endIndex": 1, "sectionBreak": map[string]any{
		"sectionStyle": map[string]any{"columnSeparatorStyle": "NONE", "contentDirection": "LEFT_TO_RIGHT"},
	}}}
	for _, p := range paragraphs {
		start := index
		var elements []any
		for i, r := range p.Runs {
			text := r.Text
			if i == len(p.Runs)-1 {
				text += "\n"
			}
			style := map[string]any{}
			if r.Bold {
				style["bold"] = true
			}
			if r.Italic {
				style["italic"] = true
			}
			if r.Link != "" {
				style["link"] = map[string]any{"url": r.Link}
				style["underline"] = true
			}
			n := len(utf16.Encode([]rune(text)))
			elements = append(elements, map[string]any{
				"startIndex": index, "endIndex": index + n,
				"textRun": map[string]any{"content": text, "textStyle": style},
			})
			index += n
		}
		if len(p.Runs) == 0 {
			elements = append(elements, map[string]any{
				"startIndex": index, "endIndex": index + 1,
				"textRun": map[string]any{"content": "\n", "textStyle": map[string]any{}},
			})
			index++
		}
		styleName := p.Style
		if styleName == "" {
			styleName = "NORMAL_TEXT"
		}
		para := map[string]any{
			"elements": elements,
			"paragraphStyle": map[string]any{
				"namedStyleType": styleName, "direction": "LEFT_TO_RIGHT",
			},
		}
		if p.Bullet {
			list := bulletList
			if p.Ordered {
				list = orderedList
			}
			b := map[string]any{"listId": list, "textStyle": map[string]any{}}
			if p.Level > 0 {
				b["nestingLevel"] = p.Level
			}
			para["bullet"] = b
		}
		if strings.HasPrefix(styleName, "HEADING_") || styleName == "TITLE" {
			para["paragraphStyle"].(map[string]any)["headingId"] = fmt.Sprintf("h.mock%d", start)
		}
		content = append(content, map[string]any{"startIndex": start, "endIndex": index, "paragraph": para})
	}
	levels := func(glyph map[string]any) []any {
		out := make([]any, 9)
		for i := range out {
			l := map[string]any{"bulletAlignment": "START", "indentFirstLine": map[string]any{"magnitude": 18 + 36*i, "unit": "PT"}}
			for k, v := range glyph {
				l[k] = v
			}
			out[i] = l
		}
		return out
	}
	return map[string]any{
		"documentId":          id,
		"title":               title,
		"revisionId":          "mock-revision-1",
		"suggestionsViewMode": "SUGGESTIONS_INLINE",
		"body":                map[string]any{"content": content},
		"lists": map[string]any{
			bulletList:  map[string]any{"listProperties": map[string]any{"nestingLevels": levels(map[string]any{"glyphSymbol": "●"})}},
			orderedList: map[string]any{"listProperties": map[string]any{"nestingLevels": levels(map[string]any{"glyphType": "DECIMAL", "glyphFormat": "%0."})}},
		},
		"documentStyle": map[string]any{"pageSize": map[string]any{
			"height": map[string]any{"magnitude": 792, "unit": "PT"},
			"width":  map[string]any{"magnitude": 612, "unit": "PT"},
		}},
	}
}

// ServeHTTP answers GET /v1/documents/{id}.
func (g *GoogleDocs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, _, fl := g.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { g.answered(i, rec.status) }()
	if fl != nil {
		setRetryAfter(rec, fl.retryAfter)
		googleError(rec, fl.status, "scripted failure")
		return
	}
	tok, ok := bearer(r)
	if !ok || (g.check != nil && !g.check(tok)) {
		rec.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
		googleError(rec, http.StatusUnauthorized, "Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/v1/documents/")
	if !ok || id == "" || strings.Contains(id, "/") {
		googleError(rec, http.StatusNotFound, "The requested URL was not found on this server.")
		return
	}
	if r.Method != http.MethodGet {
		googleError(rec, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	g.dmu.Lock()
	body, ok := g.docs[id]
	g.dmu.Unlock()
	if !ok {
		googleError(rec, http.StatusNotFound, "Requested entity was not found.")
		return
	}
	rec.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = rec.Write(body)
}

// googleStatus names a Google API error status.
func googleStatus(code int) string {
	switch code {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 500:
		return "INTERNAL"
	case 502, 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	return "UNKNOWN"
}

// googleError writes a Google API error response.
func googleError(w http.ResponseWriter, code int, msg string) {
	status := googleStatus(code)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"code": code, "message": msg, "status": status},
	})
}
