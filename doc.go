// Package halcytone turns living documents into published, multi-channel
// content.
//
// A living document is a Google Doc, a Notion database, a web page or a
// Markdown, JSON or plain-text file that a team keeps writing in: dated
// items under category headings, with optional per-item flags such as
// "<!-- featured -->". Halcytone fetches it, parses it into one structured
// model, assembles a variant per channel, validates every variant strictly,
// and (in later layers) takes the result through approval, a durable queue
// and rate-limited publishers.
//
// The path of one document:
//
//	source.Source.Fetch ─► content.Document ─► content.Assembler.Assemble ─► content.Bundle ─► content.Validator
//
// The module is organised as small packages with small interfaces, each
// with real implementations and an in-memory one in package mock:
//
//   - content: the domain (Document, Item, typed Update/Blog/Announcement/
//     Session content, Channel, Platform, Priority, Template, Tone, Bundle),
//     the default Assembler (newsletter templates, web post with SEO, social
//     posts with exact platform rules, session summaries, tones) and the
//     default Validator (every rule of every type and channel, JSON Schemas
//     that agree with it), and the error taxonomy shared by sources and
//     publishers.
//   - source: parsers (Markdown through goldmark's AST, structured JSON,
//     freeform text) and sources behind one Source interface: files inside a
//     root, SSRF-guarded URLs, Google Docs, Notion and the built-in "sample:"
//     document, resolved by reference through a Registry.
//   - mock: an in-memory Source and fake Google Docs and Notion HTTP servers
//     that speak the real wire formats, for tests and demos.
//
// The reference command, cmd/halcytone, wires these together; it holds no
// business logic of its own.
package halcytone
