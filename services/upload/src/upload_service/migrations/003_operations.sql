-- Operations: the legacy migration and the storage cost estimate.

-- Where a migrated activity came from: the legacy source (e.g. `legacy.public.activities`, `dir:/srv/fit`)
-- and its id there. Uploads through the API have neither.
ALTER TABLE upload.activities
    ADD COLUMN legacy_source text,
    ADD COLUMN legacy_id     text;

-- One row per legacy row or file handled by a migration: the idempotency key of the migration, so a second
-- run (or a run resumed after a crash) migrates nothing twice. A duplicate (the owner already had the bytes)
-- points at the existing activity.
CREATE TABLE upload.legacy_imports (
    source      text        NOT NULL,
    legacy_id   text        NOT NULL,
    activity_id uuid        NOT NULL REFERENCES upload.activities (id),
    outcome     text        NOT NULL CHECK (outcome IN ('migrated', 'duplicate')),
    -- False while migrated with --no-analyze: a later run without it queues the analysis.
    queued      boolean     NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, legacy_id)
);

-- Reports of migration runs (the operators' page lists them).
CREATE TABLE upload.migration_runs (
    id          uuid PRIMARY KEY,
    operator_id text        NOT NULL,
    source      text        NOT NULL,   -- DSN without password, tables, folder
    dry_run     boolean     NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    -- Refreshed while running: a run whose heartbeat stopped was interrupted (process killed).
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    report      jsonb       NOT NULL DEFAULT '{}'  -- fitcoach.ops.v1.MigrationProgress as JSON
);
CREATE INDEX migration_runs_started_idx ON upload.migration_runs (started_at DESC);

-- S3 requests this service made (and presigned PUTs it verified), per month and operation name, for the R2
-- cost estimate.
CREATE TABLE upload.storage_operations (
    month     date   NOT NULL,   -- first day of the month, UTC
    operation text   NOT NULL,   -- S3 operation name: PutObject, HeadObject, DeleteObject ...
    count     bigint NOT NULL,
    PRIMARY KEY (month, operation)
);

-- The read contract with the analyzer grows (compatible: columns added at the end, new views beside).
-- The analyzer shows an activity's legacy id, and the operators' figures it serves include the outbox backlog
-- and the storage requests this service counted. tests/test_upload_read_contract.py holds these views.
CREATE OR REPLACE VIEW upload.activities_v1 AS
SELECT id, user_id, file_name, size_bytes, sha256, status, duplicate_of, created_at, uploaded_at, legacy_id
FROM upload.activities;

CREATE VIEW upload.outbox_backlog_v1 AS
SELECT count(*) AS events, min(created_at) AS oldest_created_at
FROM upload.outbox WHERE published_at IS NULL;

CREATE VIEW upload.storage_operations_v1 AS
SELECT month, operation, count FROM upload.storage_operations;
