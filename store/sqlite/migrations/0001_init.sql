-- 0001_init: Halcytone's tables.
--
-- Times are INTEGER unix microseconds in UTC (NULL when unset), so that they
-- sort numerically and keep microsecond precision. Nested values are JSON
-- TEXT: NULL for a nil slice or map, "[]" or "{}" for an empty one.

CREATE TABLE document_versions (
    ref        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    document   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (ref, version)
) WITHOUT ROWID;

CREATE TABLE bundles (
    id         TEXT    PRIMARY KEY,
    job_id     TEXT    NOT NULL DEFAULT '',
    hash       TEXT    NOT NULL,
    bundle     TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE jobs (
    id              TEXT    PRIMARY KEY,
    document_id     TEXT    NOT NULL,
    channels        TEXT,
    status          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    scheduled_for   INTEGER,
    started_at      INTEGER,
    completed_at    INTEGER,
    results         TEXT,
    errors          TEXT,
    metadata        TEXT,
    correlation_id  TEXT    NOT NULL DEFAULT '',
    approval        TEXT,
    content_hash    TEXT    NOT NULL DEFAULT '',
    bundle_id       TEXT    NOT NULL DEFAULT '',
    dry_run         INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT
);

CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC);
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- One row per distinct channel of a job, with the job's status and creation
-- time copied (kept in step by the triggers below), so that a channel filter
-- walks one index in list order.
CREATE TABLE job_channels (
    job_id     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, channel)
) WITHOUT ROWID;

CREATE INDEX job_channels_list ON job_channels (channel, created_at DESC, job_id DESC, status);

-- Job counts per (status, channel); channel '' counts every job. ListJobs
-- reads its Total here when no time window is set, instead of counting rows.
CREATE TABLE job_counts (
    status  TEXT    NOT NULL,
    channel TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (status, channel)
) WITHOUT ROWID;

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_counts (status, channel, n) VALUES (NEW.status, '', 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND channel = '';
    DELETE FROM job_channels WHERE job_id = OLD.id;
END;

CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, created_at ON jobs
WHEN OLD.status IS NOT NEW.status OR OLD.created_at IS NOT NEW.created_at BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND channel = '';
    INSERT INTO job_counts (status, channel, n) VALUES (NEW.status, '', 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
    UPDATE job_channels SET status = NEW.status, created_at = NEW.created_at WHERE job_id = NEW.id;
END;

CREATE TRIGGER job_channels_count_insert AFTER INSERT ON job_channels BEGIN
    INSERT INTO job_counts (status, channel, n) VALUES (NEW.status, NEW.channel, 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER job_channels_count_delete AFTER DELETE ON job_channels BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND channel = OLD.channel;
END;

CREATE TRIGGER job_channels_count_update AFTER UPDATE OF status ON job_channels
WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND channel = OLD.channel;
    INSERT INTO job_counts (status, channel, n) VALUES (NEW.status, NEW.channel, 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
END;

CREATE TABLE approvals (
    id            TEXT    PRIMARY KEY,
    job_id        TEXT    NOT NULL,
    bundle_id     TEXT    NOT NULL DEFAULT '',
    content_hash  TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    stages        TEXT,
    author        TEXT    NOT NULL DEFAULT '',
    change_rounds INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    due_at        INTEGER,
    escalated     INTEGER NOT NULL DEFAULT 0,
    audit         TEXT
);

CREATE INDEX approvals_created ON approvals (created_at DESC, id DESC);
CREATE INDEX approvals_state_created ON approvals (state, created_at DESC, id DESC);
CREATE INDEX approvals_job ON approvals (job_id);

CREATE TABLE deliveries (
    idempotency_key TEXT    NOT NULL UNIQUE,
    job_id          TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    platform        TEXT    NOT NULL DEFAULT '',
    account         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    receipt         TEXT,
    checkpoint      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX deliveries_job ON deliveries (job_id, created_at, idempotency_key);

CREATE TABLE api_keys (
    id         TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL DEFAULT '',
    scopes     TEXT,
    rate_limit INTEGER NOT NULL DEFAULT 0,
    revoked    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE schedules (
    id             TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    cron           TEXT    NOT NULL,
    timezone       TEXT    NOT NULL,
    document_id    TEXT    NOT NULL,
    channels       TEXT,
    template_style TEXT    NOT NULL DEFAULT '',
    approval_level INTEGER NOT NULL DEFAULT 0,
    enabled        INTEGER NOT NULL DEFAULT 0,
    next_run       INTEGER,
    last_run       INTEGER,
    created_at     INTEGER NOT NULL
);

CREATE TABLE webhooks (
    id         TEXT    NOT NULL UNIQUE,
    url        TEXT    NOT NULL,
    events     TEXT,
    secret     TEXT    NOT NULL DEFAULT '',
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id            TEXT    NOT NULL UNIQUE,
    webhook_id    TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    payload       BLOB,
    status        TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    response_code INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, created_at DESC, id DESC);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    type     TEXT    NOT NULL,
    job_id   TEXT    NOT NULL DEFAULT '',
    channel  TEXT    NOT NULL DEFAULT '',
    status   TEXT    NOT NULL DEFAULT '',
    duration INTEGER NOT NULL DEFAULT 0,
    at       INTEGER NOT NULL,
    attrs    TEXT
);

CREATE INDEX events_at ON events (at, id);
CREATE INDEX events_type_at ON events (type, at, id);
