// Package examples holds Halcytone's runnable recipes, one directory each.
// Every recipe is a main package whose work lives in a
// run(ctx context.Context, w io.Writer, ...) error function, with a README
// that says what it shows and what it prints, and a test that runs it end
// to end against fakes (package mock's, or its own on loopback), with no
// credentials: `go test ./examples/...` runs them all, and
// `go run ./examples/<name>` runs one with no configuration.
//
// The recipes:
//
//   - markdown-newsletter: a Markdown living document assembled into an
//     email newsletter in every template, validated, written as HTML and
//     text.
//   - gdocs-to-all-channels: a Google Doc (fake Docs API and OAuth) shown,
//     channel by channel, as the real publishers would send it, in dry run.
//   - custom-publisher: a publish.Publisher of your own (Slack), proved
//     with the publishtest conformance suite.
//   - approval-in-your-service: the Engine embedded in your own HTTP
//     service, with review, approval and delivery of your own articles.
//   - weekly-update: a recurring schedule every Tuesday 10:00 New York time
//     across a daylight-saving change, a batch plan for the week, and
//     RunSchedules at a controllable clock, on SQLite.
//   - downstream-testing: how another project tests its own code with
//     package mock (store, queue, source, recording publishers, assertions
//     and injected failures).
//   - live-session-summary: live session events folded into a
//     content.Session and summarised for the newsletter, the website and
//     every social platform, with dry-run publishers.
//   - postgres: the same Engine on PostgreSQL (store and River queue in one
//     schema), with a level-4 approval by legal and an executive.
//
// examples_test.go checks that every directory here is such a recipe and is
// listed above.
package examples
