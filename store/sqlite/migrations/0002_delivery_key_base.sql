-- The base of a job's delivery idempotency keys when it is not the
-- content hash: a forced job's own keys, which its retries take over.
ALTER TABLE jobs ADD COLUMN delivery_key_base TEXT NOT NULL DEFAULT '';
