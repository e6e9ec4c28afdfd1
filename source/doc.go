// Package source fetches living documents and parses them into
// content.Document values.
//
// Parsers: ParseMarkdown (goldmark's syntax tree: "## [Category]" sections,
// "###" items, "**Field:**" lists or paragraphs, "<!-- flag -->" comments),
// ParseJSON (item lists, category maps, title with items or sections) and
// ParseText (blank-line blocks); Parse picks one by DetectFormat unless
// told. Problems that do not stop parsing, such as an unknown flag, are
// kept in Document.Warnings; nothing is dropped silently.
//
// Sources implement Source and are resolved by reference through a
// Registry: "sample:" (the embedded demo document), "file:NAME" (File,
// confined to a root with os.Root), "https://..." (URL, behind an SSRF
// Guard checked at dial time on every resolved address and redirect),
// "gdocs:ID" (GoogleDocs, the Docs REST API with a service account) and
// "notion:ID" (Notion, a database query with its pages' blocks).
//
// Guarantees: input is bounded (MaxDocumentSize, nesting depth, response
// sizes, timeouts from the context and per call); every failure is a
// *content.Error whose class says whether to retry, wait, re-authenticate
// or fix the input; remote calls retry only Retryable and RateLimited
// failures, with bounded, jittered backoff that honours Retry-After. All
// types are safe for concurrent use once configured.
package source
