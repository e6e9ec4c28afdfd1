// Package content is Halcytone's domain: living documents after parsing,
// typed content, the channel variants assembled from them, and the rules
// they are validated against. It imports nothing else of Halcytone.
//
// # Model
//
// A Document is a title and sections of Items (title, Markdown body, date,
// category, per-item Flags). Typed content, an Update, Blog, Announcement
// or Session, carries the fields of the HTTP API (Decode reads it and
// detects its type when none is given); DocumentOf wraps it in a one-item
// document so that both kinds go through the same Assembler. A document's
// ContentHash covers its text and typed fields, not where or when it was
// fetched, so the same text always hashes the same and any edit changes it.
//
// # Assembly
//
// DefaultAssembler turns a Document into a Bundle: a Newsletter (four
// embedded templates, html/template escaping on, a text part each, merge
// tags for Merge), a WebPost (sanitised HTML, slug, SEO fields, JSON-LD,
// table of contents), one SocialPost per platform within that platform's
// exact limits (X by twitter-text v3 weighting, threaded rather than cut),
// and a SessionSummary for sessions. Tones change the wording and the emoji
// and exclamation budgets. Markdown is parsed by goldmark and sanitised by
// bluemonday; paragraphs over MaxInlineBlock are read as literal text so
// that hostile input cannot make parsing quadratic.
//
// # Validation
//
// DefaultValidator applies every rule of Rules to typed content and to
// bundles and reports every Issue (severity, JSON field path, stable code,
// message), never only the first; Check combines a document's, a bundle's
// and the assembler's findings into one Report. Schema returns the JSON
// Schema of each type; a test keeps it in agreement with the Go rules.
//
// # Errors
//
// Sources and publishers report failures as *Error values of a closed set
// of classes (Retryable, RateLimited, AuthExpired, InvalidContent,
// OutcomeUnknown, NotFound, Permanent); ClassOf and errors.As reach them.
//
// Every exported function is safe for concurrent use; the assembler and
// validator keep no mutable state between calls, and nothing here panics
// on any input.
package content
