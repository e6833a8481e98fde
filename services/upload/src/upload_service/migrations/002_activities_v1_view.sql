-- The read contract the upload service publishes to the analyzer (docs/architecture.md, "What the analyzer
-- reads from the upload service"). The analyzer lists a user's uploads, pending ones included, joined to its
-- own analysis state; it reads this view, never upload.activities, so the table stays free to change.
-- Contract: these columns, names and types. Adding a column is fine; renaming, retyping or removing one is a
-- new view (activities_v2) kept beside this one until the analyzer has moved. tests/test_upload_read_contract.py
-- fails when the view drifts from the contract.
-- A plain view over one table: PostgreSQL inlines it, so the analyzer's queries use the table's indexes.
CREATE VIEW upload.activities_v1 AS
SELECT id, user_id, file_name, size_bytes, sha256, status, duplicate_of, created_at, uploaded_at
FROM upload.activities;
