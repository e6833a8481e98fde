-- One delivery at a time per activity: a delivery that claims an activity (to analyze it or to ask for its
-- advice) holds a lease, renewed while it works and cleared when it settles. Another delivery of the same
-- event meanwhile (a redelivery after an ack timeout, a replay beside live traffic) is told to come back
-- later instead of analyzing or asking the advisor a second time; the lease of an analyzer that crashed runs
-- out, and the next delivery takes the activity over.
ALTER TABLE analyzer.activities
    ADD COLUMN claim_token uuid,
    ADD COLUMN lease_until timestamptz,
    -- Why a `failed` activity failed: the file is bad (final), our analysis code raised (an operator fixes
    -- the bug, then a replay or a later delivery analyzes it again), or the analyzer gave up after
    -- infrastructure errors (dead letter; replayable).
    ADD COLUMN failure_kind text CHECK (failure_kind IN ('bad_file', 'internal_error', 'gave_up')),
    -- For operators only (never shown to the athlete): the exception and the end of its traceback.
    ADD COLUMN error_detail text;
UPDATE analyzer.activities
SET failure_kind = CASE WHEN failure_reason LIKE 'analysis gave up after %' THEN 'gave_up' ELSE 'bad_file' END
WHERE status = 'failed';
-- Operators' question: which activities did our own code fail on?
CREATE INDEX activities_internal_error_idx ON analyzer.activities (failed_at) WHERE failure_kind = 'internal_error';
