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
//	   ─► approval.Gate ─► schedule.Queue ─► publish.Publisher, every step recorded in a store.Store
//
// Engine runs that path: Generate records the document version, the bundle
// and a job, opens the approval the policy asks for and, once approved,
// enqueues one delivery per channel in the same transaction as the job;
// Work (the queue's worker) publishes each delivery exactly once, looking
// it up at the platform first when an earlier attempt left no outcome.
// Subscribe streams what happens, without ever blocking the engine, once
// it has committed; Config.Outbox gets the same events inside the
// transaction of each change, for what must not be lost (the reference
// server's outgoing webhooks).
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
//   - store: the Store interface and its conformance suite (storetest), with
//     store/sqlite (the zero-config default, one file) and store/postgres.
//   - approval: the level 1-4 policy and the review workflow, pinned to the
//     content hash, with stages, roles, deadlines and an audit trail.
//   - schedule: the durable delivery queue on River (SQLite or PostgreSQL),
//     recurring schedules in IANA time zones, and batch plans.
//   - publish: the Publisher interface, the delivery idempotency key, the
//     middleware (DryRun, WithRateLimit, WithCircuitBreaker, WithRetry,
//     WithTelemetry) and the publishtest conformance suite; publishers in
//     publish/email (CRM, SMTP), publish/web (platform API and CDN purge)
//     and publish/social (X, LinkedIn, Facebook, Instagram).
//   - mock: in-memory Source, Store, Queue and recording Publisher, and fake
//     Google Docs and Notion HTTP servers that speak the real wire formats,
//     for tests and demos.
//
// The reference command, cmd/halcytone, wires these together; it holds no
// business logic of its own.
package halcytone
