// Package email publishes newsletters: CRM sends them through a CRM's bulk
// API, SMTP through a mail server.
//
// Guarantees:
//   - Every batch (CRM) or message (SMTP) carries an idempotency key derived
//     from the delivery's key: the CRM batch key is "<key>:<n>" (n counts
//     batches from 1), the SMTP Message-ID is derived from the key.
//   - Progress is checkpointed through a Checkpoint after every batch, so a
//     Publish that stops half way (crash, cancelled context, failure) and is
//     called again with the same delivery resumes after the last batch
//     recorded, and asks the CRM which batches it already holds before
//     sending, so no batch is sent twice. Checkpoints are saved under the
//     delivery's own idempotency key, as halcytone.DeliveryCheckpoints
//     requires; an SMTP save that fails is logged and its progress kept in
//     the publisher's memory (see SMTP.Publish).
//   - Lookup finds only a complete send: a send interrupted half way is
//     reported not found (ok false), so that the Engine publishes it again
//     and Publish resumes it, rather than taking it for delivered.
//   - Failures are *content.Error values of the publish taxonomy: 429 is
//     RateLimited with its Retry-After, 401 AuthExpired, 400/422
//     InvalidContent with the field, 404 NotFound, 5xx and network failures
//     before a request was sent Retryable, a timeout after a batch was sent
//     OutcomeUnknown, anything else Permanent. Malformed responses are
//     classified, never a panic.
//   - Merge variables (name, unsubscribe and preferences links) are filled per
//     recipient with content.Merge, HTML-escaped in the HTML part.
//
// Publishers are safe for concurrent use.
package email
