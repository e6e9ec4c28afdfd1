// Package mock provides in-memory implementations of Halcytone's
// interfaces and fake HTTP servers that speak the real wire formats, for
// tests and demos.
//
// In memory:
//   - Source, an in-memory source.Source that records its calls and fails
//     on cue;
//   - Store (NewStore), a store.Store that passes store/storetest, with
//     transactions rolled back by an undo log;
//   - Queue (NewQueue), a schedule.Queue that follows the River queue's
//     retry and uniqueness rules without a database;
//   - RecordingPublisher, a publish.Publisher that records deliveries and
//     honours idempotency keys, with the assertions RequirePublished and
//     RequireNotPublished for tests.
//
// Fake services, each an http.Handler with Start, URL and Close, a
// StartXxx(tb) helper, a request log and failures on cue (a failure rate,
// latency, 429 with Retry-After, 401 expired token, accepted-then-timed-
// out requests, malformed answers, and the markers "error", "timeout" and
// "slow" in titles or subjects for demos):
//   - GoogleDocs, Notion and OAuth: the Google Docs API, the Notion API and
//     a Google-style OAuth2 token endpoint;
//   - CRM, Platform and CDN: the newsletter CRM, the website platform API
//     and a Cloudflare-style purge API;
//   - X, LinkedIn and Graph: X API v2, LinkedIn UGC posts, and the
//     Facebook and Instagram Graph API.
//
// The publishing fakes honour idempotency keys and count duplicate
// attempts, so tests can assert that nothing was sent twice. Every type is
// safe for concurrent use.
package mock
