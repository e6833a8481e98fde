-- The upload lifecycle of each activity, and the transactional outbox of UploadCompleted events.
-- Owned by the upload service alone: the analyzer reads the view upload.activities_v1 (002), not this table.
CREATE SCHEMA IF NOT EXISTS upload;

CREATE TABLE upload.activities (
    id             uuid PRIMARY KEY,
    user_id        uuid        NOT NULL,
    file_name      text        NOT NULL,
    size_bytes     bigint      NOT NULL CHECK (size_bytes > 0),
    sha256         text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    object_key     text        NOT NULL UNIQUE,
    status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'uploaded', 'duplicate')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    uploaded_at    timestamptz,
    url_expires_at timestamptz NOT NULL,
    duplicate_of   uuid REFERENCES upload.activities (id),
    -- The same user never uploads the same bytes twice: CreateUpload answers with the existing activity.
    CONSTRAINT activities_user_sha256_key UNIQUE (user_id, sha256),
    CONSTRAINT activities_uploaded_has_time CHECK (status <> 'uploaded' OR uploaded_at IS NOT NULL)
);

-- Listing a user's activities newest first (the analyzer's ListActivities pages over this).
CREATE INDEX activities_user_created_idx ON upload.activities (user_id, created_at DESC, id DESC);
-- Finding abandoned pending uploads.
CREATE INDEX activities_pending_created_idx ON upload.activities (created_at) WHERE status = 'pending';

CREATE TABLE upload.outbox (
    id           uuid PRIMARY KEY,           -- the event id, sent as Nats-Msg-Id
    subject      text        NOT NULL,
    payload      bytea       NOT NULL,       -- binary protobuf
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

-- The relay only ever looks at unpublished rows, oldest first.
CREATE INDEX outbox_unpublished_idx ON upload.outbox (created_at) WHERE published_at IS NULL;
