// Package mock provides in-memory implementations of Halcytone's
// interfaces and fake HTTP servers that speak the real wire formats, for
// tests and demos.
//
// Source is an in-memory source.Source that records its calls and fails
// on cue. GoogleDocs, Notion and OAuth are fakes of the Google Docs API,
// the Notion API and a Google-style OAuth2 token endpoint: each is an
// http.Handler with a request log and scripted failures (429 with
// Retry-After, 5xx, 401), so the real clients can be tested against them
// on loopback, and `halcytone mock` can serve them on local ports. Store
// (NewStore) is an in-memory store.Store that passes store/storetest, with
// transactions rolled back by an undo log. Every type is safe for
// concurrent use.
package mock
