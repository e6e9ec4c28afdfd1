package content

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Format names the text format a Document was parsed from.
type Format string

// The document formats.
const (
	FormatMarkdown   Format = "markdown"
	FormatJSON       Format = "json"
	FormatText       Format = "text"
	FormatGoogleDocs Format = "gdocs"
	FormatNotion     Format = "notion"
	FormatContent    Format = "content" // built from typed Content by DocumentOf
)

// Document is a living document after parsing: a title and sections of
// items, whatever the source and format. The zero value is an empty
// document.
type Document struct {
	Title     string    `json:"title"`
	Sections  []Section `json:"sections"`
	Source    string    `json:"source,omitempty"` // the reference it was fetched by, such as "gdocs:ID"
	Format    Format    `json:"format,omitempty"`
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	Hash      string    `json:"hash,omitempty"` // ContentHash at fetch time
	// Warnings are the parser's findings that did not stop parsing, such as
	// an unknown item flag or a date it could not read, each naming the
	// item and field at fault. They are not part of the content hash.
	Warnings []Issue `json:"warnings,omitempty"`
}

// Section is a group of items under one heading and category.
type Section struct {
	Heading  string   `json:"heading"`
	Category Category `json:"category"`
	Items    []Item   `json:"items"`
}

// Item is one entry of a living document: a dated piece of news, a tip, an
// announcement.
type Item struct {
	Title    string    `json:"title"`
	Body     string    `json:"body"` // Markdown
	Date     time.Time `json:"date,omitzero"`
	Category Category  `json:"category,omitempty"`
	Flags    Flags     `json:"flags,omitzero"`
	// Content is the typed content the item stands for, when it was built
	// from one (DocumentOf). Parsed items leave it nil; see Typed.
	Content Content `json:"-"`
}

// Flags are per-item instructions written by the document's author, such
// as "<!-- type: blog -->" or "<!-- featured -->" in Markdown.
type Flags struct {
	Type         Type      `json:"type,omitempty"`
	Published    bool      `json:"published,omitempty"`
	Channels     []Channel `json:"channels,omitempty"`
	Priority     Priority  `json:"priority,omitempty"`
	ScheduledFor time.Time `json:"scheduled_for,omitzero"`
	DryRun       bool      `json:"dry_run,omitempty"`
	Template     Template  `json:"template,omitempty"`
	Featured     bool      `json:"featured,omitempty"`
}

// Items returns every item of every section, in document order.
func (d *Document) Items() []Item {
	n := 0
	for _, s := range d.Sections {
		n += len(s.Items)
	}
	out := make([]Item, 0, n)
	for _, s := range d.Sections {
		out = append(out, s.Items...)
	}
	return out
}

// ContentHash returns the hex SHA-256 of the document's title and sections
// (not its source, format or fetch time), including the typed content of
// items built by DocumentOf, so that the same text fetched twice hashes the
// same and any edit changes the hash.
func (d *Document) ContentHash() string {
	type hashed struct {
		Title    string    `json:"t"`
		Sections []Section `json:"s"`
	}
	h := sha256.New()
	enc := json.NewEncoder(h)
	// Encoding errors cannot happen: every field marshals.
	_ = enc.Encode(hashed{d.Title, d.Sections})
	for _, s := range d.Sections {
		for _, it := range s.Items {
			if it.Content != nil {
				_ = enc.Encode(it.Content)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets d.Hash to d.ContentHash and returns d.
func (d *Document) Seal() *Document {
	d.Hash = d.ContentHash()
	return d
}

// DocumentOf wraps typed content in a one-item document, so that it can go
// through the same Assembler as a living document. No content (see IsNil)
// gives a sealed document without sections.
func DocumentOf(c Content) *Document {
	if IsNil(c) {
		return (&Document{}).Seal()
	}
	b := c.Common()
	it := Item{
		Title:   b.Title,
		Body:    b.Body,
		Date:    b.Date,
		Content: c,
		Flags: Flags{
			Type:         c.Kind(),
			Published:    b.Published,
			Channels:     b.Channels,
			Priority:     b.Priority,
			ScheduledFor: b.ScheduledFor,
			DryRun:       b.DryRun,
			Template:     b.Template,
			Featured:     b.Featured,
		},
	}
	if bl, ok := c.(*Blog); ok {
		it.Category = Category(bl.Category)
	}
	d := &Document{
		Title:    b.Title,
		Sections: []Section{{Heading: b.Title, Category: it.Category, Items: []Item{it}}},
		Format:   FormatContent,
	}
	return d.Seal()
}

// Typed returns the typed content the item stands for: its Content when it
// was built from one, else a new value of the type its flags name (or that
// Detect picks from its title) carrying the item's title, body, date and
// flags. The result shares no memory the caller could not already change.
func (it *Item) Typed() Content {
	if it.Content != nil {
		return it.Content
	}
	t := it.Flags.Type
	if t == "" {
		t = Detect(it.Title)
	}
	c, err := New(t)
	if err != nil { // an unknown flag type: fall back to detection
		c, _ = New(Detect(it.Title))
	}
	b := c.Common()
	b.Title, b.Body, b.Date = it.Title, it.Body, it.Date
	b.Published, b.Featured, b.DryRun = it.Flags.Published, it.Flags.Featured, it.Flags.DryRun
	b.Channels = append([]Channel(nil), it.Flags.Channels...)
	b.Priority, b.PrioritySet = it.Flags.Priority, it.Flags.Priority != 0
	b.Template, b.ScheduledFor = it.Flags.Template, it.Flags.ScheduledFor
	if bl, ok := c.(*Blog); ok && it.Category != "" && it.Category != CategoryGeneral {
		bl.Category = string(it.Category)
	}
	return c
}
