-- Operations: dashboards, replay, dead-letter re-drive and the storage cost estimate.

-- Stage times of the first analysis of each activity. The plain columns move when a replay re-analyzes an
-- activity; these stay, so the dashboard's delays measure what athletes waited for, not replays.
ALTER TABLE analyzer.activities
    ADD COLUMN first_analysis_started_at timestamptz,
    ADD COLUMN first_analyzed_at         timestamptz,
    ADD COLUMN first_advised_at          timestamptz;
UPDATE analyzer.activities
SET first_analysis_started_at = analysis_started_at, first_analyzed_at = analyzed_at, first_advised_at = advised_at;
-- Failures grouped by reason over a window.
CREATE INDEX activities_failed_idx ON analyzer.activities (failed_at) WHERE status = 'failed';

-- A dead letter an operator re-drove successfully stays, marked resolved (its history is worth keeping).
ALTER TABLE analyzer.dead_letters
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN resolution  text;
CREATE INDEX dead_letters_unresolved_idx ON analyzer.dead_letters (id) WHERE resolved_at IS NULL;

-- S3 requests this service made, per month and operation name, for the R2 cost estimate (the upload service
-- keeps its own in upload.storage_operations).
CREATE TABLE analyzer.storage_operations (
    month     date   NOT NULL,   -- first day of the month, UTC
    operation text   NOT NULL,   -- S3 operation name: GetObject, HeadObject, PutObject ...
    count     bigint NOT NULL,
    PRIMARY KEY (month, operation)
);
