-- The analyzer's own tables. It reads the upload service's view upload.activities_v1 and writes nothing there.
CREATE SCHEMA IF NOT EXISTS analyzer;


-- Pipeline state of each activity the analyzer has seen (one row per activity).
CREATE TABLE analyzer.activities (
    activity_id         uuid PRIMARY KEY,
    user_id             uuid NOT NULL,
    status              text NOT NULL CHECK (status IN ('analyzing', 'analyzed', 'failed')),
    -- Version of the analyzer that set `status`: Postgres, not NATS, decides whether this version already
    -- handled the activity.
    analyzer_version    text NOT NULL,
    -- Version whose row in analyzer.results is shown (kept while a newer version re-analyzes).
    result_version      text,
    failure_reason      text,
    advice_status       text CHECK (advice_status IN ('pending', 'ready', 'failed')),
    advice_error        text,
    attempts            integer NOT NULL DEFAULT 0,
    analysis_started_at timestamptz,
    analyzed_at         timestamptz,
    advised_at          timestamptz,
    failed_at           timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_user_idx ON analyzer.activities (user_id);
-- Stuck work is a query: analyzing for too long.
CREATE INDEX activities_analyzing_idx ON analyzer.activities (analysis_started_at) WHERE status = 'analyzing';

-- Metrics of one activity by one analyzer version: a redelivery or replay cannot add a second row.
CREATE TABLE analyzer.results (
    activity_id      uuid NOT NULL REFERENCES analyzer.activities (activity_id) ON DELETE CASCADE,
    analyzer_version text NOT NULL,
    user_id          uuid NOT NULL,
    sport            text NOT NULL,
    sub_sport        text NOT NULL DEFAULT '',
    start_time       timestamptz,
    local_offset_s   integer NOT NULL DEFAULT 0,
    -- The athlete's calendar day of the activity (start_time + local offset): the fitness trend's key.
    local_date       date,
    record_count     bigint NOT NULL,
    device           text NOT NULL DEFAULT '',
    training_load    double precision,
    summary          jsonb NOT NULL,   -- MetricSet field names
    sessions         jsonb NOT NULL,   -- list of fitcoach.activity.v1.Session as JSON (NaN stored as null)
    warnings         jsonb NOT NULL DEFAULT '[]',
    profile          jsonb NOT NULL DEFAULT '{}',  -- the athlete profile the metrics were computed with
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, analyzer_version)
);
CREATE INDEX results_user_day_idx ON analyzer.results (user_id, local_date);

-- Advice rows. request_hash is the SHA-256 of the canonical advice request the analyzer built, so the same
-- inputs never reach the advisor (or Gemini) twice; input_hash is what the advisor reported.
CREATE TABLE analyzer.advice (
    id             bigserial PRIMARY KEY,
    activity_id    uuid NOT NULL REFERENCES analyzer.activities (activity_id) ON DELETE CASCADE,
    user_id        uuid NOT NULL,
    request_hash   text NOT NULL,
    input_hash     text NOT NULL DEFAULT '',
    engine         text NOT NULL,
    model          text NOT NULL DEFAULT '',
    prompt_version text NOT NULL DEFAULT '',
    language       text NOT NULL DEFAULT 'en',
    advice         jsonb NOT NULL,   -- fitcoach.advisor.v1.Advice as JSON
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (activity_id, request_hash)
);

-- Athlete settings that metrics depend on; NULL = use the default (the metrics say which they used).
CREATE TABLE analyzer.athlete_profiles (
    user_id                 uuid PRIMARY KEY,
    max_hr_bpm              double precision,
    rest_hr_bpm             double precision,
    threshold_hr_bpm        double precision,
    ftp_w                   double precision,
    threshold_pace_s_per_km double precision,
    sex                     text NOT NULL DEFAULT '' CHECK (sex IN ('', 'male', 'female')),
    language                text NOT NULL DEFAULT '' CHECK (language IN ('', 'en', 'ko')),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Events the analyzer gave up on (infrastructure kept failing, or the payload was unreadable).
CREATE TABLE analyzer.dead_letters (
    id            bigserial PRIMARY KEY,
    stream        text NOT NULL,
    stream_seq    bigint NOT NULL,
    subject       text NOT NULL,
    activity_id   uuid,
    user_id       uuid,
    num_delivered integer NOT NULL,
    error         text NOT NULL,
    payload       bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, stream_seq)
);
