-- Deleting an activity (DeleteActivity): the row goes at once, its object through this queue, so a crash
-- between the commit and the object's DELETE leaves a row here that the sweeper finishes (crash-safe).
CREATE TABLE upload.deletions (
    activity_id  uuid PRIMARY KEY,
    user_id      uuid        NOT NULL,
    object_key   text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deletions_requested_idx ON upload.deletions (requested_at);

-- A duplicate row must not keep its original from being deleted.
ALTER TABLE upload.activities
    DROP CONSTRAINT activities_duplicate_of_fkey,
    ADD CONSTRAINT activities_duplicate_of_fkey FOREIGN KEY (duplicate_of)
        REFERENCES upload.activities (id) ON DELETE SET NULL;
