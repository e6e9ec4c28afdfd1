// Package storetest is the conformance suite of store.Store: every
// implementation (mock.Store, store/sqlite, store/postgres, and third-party
// ones) runs Run from its own tests and must pass it unchanged.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := open(t) // a fresh, empty store
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run checks every method of store.Queries and the guarantees of the store
// package doc. Each area is a subtest (Documents, Bundles, Jobs, ListJobs,
// JobStats, Approvals, Deliveries, APIKeys, Schedules, Webhooks, Events,
// InTx, Errors), so a failing driver shows which part it gets wrong. The
// suite is deterministic: it orders records by explicit CreatedAt values
// and never sleeps.
//
// Besides the package doc of store, the suite pins these semantics, which
// every implementation must share:
//
//   - Values round-trip as through encoding/json: a nil slice or map comes
//     back nil, an empty one comes back empty; Job.Metadata and Event.Attrs
//     come back as encoding/json decodes into any (numbers as float64,
//     objects as map[string]any, arrays as []any); Item.Content, which has
//     no JSON form, is not kept. A value that encoding/json cannot encode is
//     ErrInvalid.
//   - Top-level times (CreatedAt, UpdatedAt, ScheduledFor, NextRun, At, ...)
//     come back in UTC, within a microsecond of what was stored; zero times
//     stay zero. Times nested in JSON-encoded values (job results, stage
//     decisions, audit entries, receipts, documents, bundles) come back as
//     encoding/json restores them.
//   - Create* with a zero CreatedAt sets it to the current time, on the
//     caller's value too; a zero UpdatedAt becomes CreatedAt. UpdateX sets
//     UpdatedAt to the current time. RecordEvent sets Event.ID, increasing,
//     and a zero At to the current time.
//   - Create* with a taken primary key is ErrConflict (Job.ID, Job's
//     non-empty IdempotencyKey, ApprovalRequest.ID, Delivery.IdempotencyKey,
//     APIKey.ID and Hash, Schedule.ID, Webhook.ID, WebhookDelivery.ID);
//     SaveBundle with a taken ID replaces the bundle.
//   - Getters, updaters, RevokeAPIKey and the deletes return ErrNotFound for
//     a missing record and ErrInvalid for an empty key or a nil record;
//     listers (DocumentVersions, ListDeliveries, ListWebhookDeliveries,
//     ListApprovals) return an empty result for an unknown parent.
//   - A negative Limit or Offset is ErrInvalid. ListJobs: Limit 0 means
//     20, more than 500 means 500. ListApprovals: 0 means 100. ListEvents:
//     0 means 1,000.
//   - ListJobs and ListApprovals order by CreatedAt descending, ties by ID
//     descending. JobFilter's window is [CreatedAfter, CreatedBefore), like
//     StatsFilter's and EventFilter's. ListDeliveries, ListAPIKeys,
//     ListSchedules and ListWebhooks order by CreatedAt ascending, ties by
//     key ascending; ListWebhookDeliveries by CreatedAt descending, ties by
//     ID descending; ListEvents by At ascending, ties by ID ascending.
//   - A channel filter (JobFilter.Channel, StatsFilter.Channel) selects the
//     jobs listing the channel content.ParseChannel reads it as, in any
//     spelling ParseChannel reads so ("web", "Website" and "website" select
//     the same jobs: store.ChannelKey); a value ParseChannel refuses
//     matches exactly. A job listing one channel in two spellings is listed and
//     counted once, in the page and in Total, with or without a window.
//   - JobStats aggregates the jobs matching its window, Status and Channel:
//     ByChannel and SucceededByChannel count each channel a job lists (a job
//     with two channels counts in both), once per job however many times
//     and spellings the job lists it, under the first spelling the job
//     uses (store.ChannelKey); SucceededByChannel counts completed
//     jobs; AvgProcessing averages CompletedAt-StartedAt over jobs with both
//     set (a millisecond of rounding is tolerated); OverTime buckets start
//     at multiples of Bucket since the Unix epoch, in UTC.
//   - An update function that changes the record's key (ID, idempotency
//     key) is not supported; the suite never does it.
package storetest

import (
	"testing"

	"github.com/halcytone/halcytone/store"
)

// opener returns a fresh, empty store for one subtest; it registers the
// store's cleanup (Close, removing files or schemas) with t.
type opener = func(t *testing.T) store.Store

// Run runs the conformance suite against the stores open returns. Every
// leaf subtest opens its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	areas := []struct {
		name string
		run  func(*testing.T, opener)
	}{
		{"Documents", testDocuments},
		{"Bundles", testBundles},
		{"Jobs", testJobs},
		{"ListJobs", testListJobs},
		{"JobStats", testJobStats},
		{"JobStatsSpellings", testJobStatsSpellings},
		{"Approvals", testApprovals},
		{"Deliveries", testDeliveries},
		{"APIKeys", testAPIKeys},
		{"Schedules", testSchedules},
		{"Webhooks", testWebhooks},
		{"Events", testEvents},
		{"InTx", testInTx},
		{"Errors", testErrors},
		{"Text", testText},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) { a.run(t, open) })
	}
}
