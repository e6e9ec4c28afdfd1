-- 0001_init: Halcytone's tables, the PostgreSQL twin of store/sqlite's
-- 0001_init (same tables and columns, PostgreSQL types).
--
-- Times are timestamptz (microsecond precision), NULL when unset. Nested
-- values are jsonb: SQL NULL for a nil slice or map, '[]' or '{}' for an
-- empty one. Documents and bundles, large and never looked into, are json:
-- kept verbatim (a "\u0000" escape included, which jsonb refuses). Lists of strings that queries look into are text[], NULL for
-- a nil slice.

CREATE TABLE document_versions (
    ref        text        NOT NULL,
    version    integer     NOT NULL,
    hash       text        NOT NULL,
    document   json        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (ref, version)
);

CREATE TABLE bundles (
    id         text        PRIMARY KEY,
    job_id     text        NOT NULL DEFAULT '',
    hash       text        NOT NULL,
    bundle     json,
    created_at timestamptz NOT NULL
);

CREATE TABLE jobs (
    id              text        PRIMARY KEY,
    document_id     text        NOT NULL,
    channels        text[],
    status          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    scheduled_for   timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    results         jsonb,
    errors          text[],
    metadata        jsonb,
    correlation_id  text        NOT NULL DEFAULT '',
    approval        jsonb,
    content_hash    text        NOT NULL DEFAULT '',
    bundle_id       text        NOT NULL DEFAULT '',
    dry_run         boolean     NOT NULL DEFAULT false,
    idempotency_key text
);

CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC);
CREATE INDEX jobs_channels ON jobs USING gin (channels);
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Job counts per (status, channel); channel '' counts every job, another
-- channel the jobs that list it. The store keeps them in step with the jobs
-- table in the same transaction (one upsert at commit), and ListJobs reads
-- its Total here when no time window is set, instead of counting rows.
CREATE TABLE job_counts (
    status  text   NOT NULL,
    channel text   NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (status, channel)
);

CREATE TABLE approvals (
    id            text        PRIMARY KEY,
    job_id        text        NOT NULL,
    bundle_id     text        NOT NULL DEFAULT '',
    content_hash  text        NOT NULL,
    level         integer     NOT NULL,
    state         text        NOT NULL,
    stages        jsonb,
    author        text        NOT NULL DEFAULT '',
    change_rounds integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    due_at        timestamptz,
    escalated     boolean     NOT NULL DEFAULT false,
    audit         jsonb
);

CREATE INDEX approvals_created ON approvals (created_at DESC, id DESC);
CREATE INDEX approvals_state_created ON approvals (state, created_at DESC, id DESC);
CREATE INDEX approvals_job ON approvals (job_id);

CREATE TABLE deliveries (
    idempotency_key text        PRIMARY KEY,
    job_id          text        NOT NULL,
    channel         text        NOT NULL,
    platform        text        NOT NULL DEFAULT '',
    account         text        NOT NULL DEFAULT '',
    status          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    receipt         jsonb,
    checkpoint      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX deliveries_job ON deliveries (job_id, created_at, idempotency_key);

CREATE TABLE api_keys (
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    hash       text        NOT NULL UNIQUE,
    prefix     text        NOT NULL DEFAULT '',
    scopes     text[],
    rate_limit integer     NOT NULL DEFAULT 0,
    revoked    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);

CREATE TABLE schedules (
    id             text        PRIMARY KEY,
    name           text        NOT NULL,
    cron           text        NOT NULL,
    timezone       text        NOT NULL,
    document_id    text        NOT NULL,
    channels       text[],
    template_style text        NOT NULL DEFAULT '',
    approval_level integer     NOT NULL DEFAULT 0,
    enabled        boolean     NOT NULL DEFAULT false,
    next_run       timestamptz,
    last_run       timestamptz,
    created_at     timestamptz NOT NULL
);

CREATE TABLE webhooks (
    id         text        PRIMARY KEY,
    url        text        NOT NULL,
    events     text[],
    secret     text        NOT NULL DEFAULT '',
    disabled   boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
    id            text        PRIMARY KEY,
    webhook_id    text        NOT NULL,
    event         text        NOT NULL,
    payload       bytea,
    status        text        NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0,
    response_code integer     NOT NULL DEFAULT 0,
    last_error    text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, created_at DESC, id DESC);

-- duration is nanoseconds (a Go time.Duration), as in store/sqlite.
CREATE TABLE events (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type     text        NOT NULL,
    job_id   text        NOT NULL DEFAULT '',
    channel  text        NOT NULL DEFAULT '',
    status   text        NOT NULL DEFAULT '',
    duration bigint      NOT NULL DEFAULT 0,
    at       timestamptz NOT NULL,
    attrs    jsonb
);

CREATE INDEX events_at ON events (at, id);
CREATE INDEX events_type_at ON events (type, at, id);
