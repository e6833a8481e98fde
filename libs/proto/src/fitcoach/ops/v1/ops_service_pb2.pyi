import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReplayPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLAY_PHASE_UNSPECIFIED: _ClassVar[ReplayPhase]
    REPLAY_PHASE_SCANNING: _ClassVar[ReplayPhase]
    REPLAY_PHASE_RUNNING: _ClassVar[ReplayPhase]
    REPLAY_PHASE_DONE: _ClassVar[ReplayPhase]
REPLAY_PHASE_UNSPECIFIED: ReplayPhase
REPLAY_PHASE_SCANNING: ReplayPhase
REPLAY_PHASE_RUNNING: ReplayPhase
REPLAY_PHASE_DONE: ReplayPhase

class ReplayRequest(_message.Message):
    __slots__ = ("start_sequence", "start_time", "end_sequence", "end_time", "user_ids", "activity_ids", "failed_only", "older_version_only", "force", "dry_run")
    START_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_IDS_FIELD_NUMBER: _ClassVar[int]
    FAILED_ONLY_FIELD_NUMBER: _ClassVar[int]
    OLDER_VERSION_ONLY_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    start_sequence: int
    start_time: _timestamp_pb2.Timestamp
    end_sequence: int
    end_time: _timestamp_pb2.Timestamp
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    activity_ids: _containers.RepeatedScalarFieldContainer[str]
    failed_only: bool
    older_version_only: bool
    force: bool
    dry_run: bool
    def __init__(self, start_sequence: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_sequence: _Optional[int] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_ids: _Optional[_Iterable[str]] = ..., activity_ids: _Optional[_Iterable[str]] = ..., failed_only: _Optional[bool] = ..., older_version_only: _Optional[bool] = ..., force: _Optional[bool] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class ReplayResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: ReplayProgress
    def __init__(self, progress: _Optional[_Union[ReplayProgress, _Mapping]] = ...) -> None: ...

class ReplayProgress(_message.Message):
    __slots__ = ("replay_id", "phase", "scanned", "matched", "done", "skipped", "failed", "rate_per_s", "eta_s", "first_sequence", "last_sequence", "dry_run", "final", "failures", "advice_requested", "elapsed_s")
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_S_FIELD_NUMBER: _ClassVar[int]
    ETA_S_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    ADVICE_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    replay_id: str
    phase: ReplayPhase
    scanned: int
    matched: int
    done: int
    skipped: int
    failed: int
    rate_per_s: float
    eta_s: float
    first_sequence: int
    last_sequence: int
    dry_run: bool
    final: bool
    failures: _containers.RepeatedCompositeFieldContainer[ReplayFailure]
    advice_requested: int
    elapsed_s: float
    def __init__(self, replay_id: _Optional[str] = ..., phase: _Optional[_Union[ReplayPhase, str]] = ..., scanned: _Optional[int] = ..., matched: _Optional[int] = ..., done: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ..., rate_per_s: _Optional[float] = ..., eta_s: _Optional[float] = ..., first_sequence: _Optional[int] = ..., last_sequence: _Optional[int] = ..., dry_run: _Optional[bool] = ..., final: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[ReplayFailure, _Mapping]]] = ..., advice_requested: _Optional[int] = ..., elapsed_s: _Optional[float] = ...) -> None: ...

class ReplayFailure(_message.Message):
    __slots__ = ("activity_id", "sequence", "reason")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    sequence: int
    reason: str
    def __init__(self, activity_id: _Optional[str] = ..., sequence: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_resolved")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_resolved: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_resolved: _Optional[bool] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "next_page_token", "unresolved")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNRESOLVED_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    next_page_token: str
    unresolved: int
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unresolved: _Optional[int] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "stream", "stream_sequence", "subject", "activity_id", "user_id", "num_delivered", "error", "created_at", "resolved_at", "resolution")
    ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NUM_DELIVERED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    id: int
    stream: str
    stream_sequence: int
    subject: str
    activity_id: str
    user_id: str
    num_delivered: int
    error: str
    created_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    resolution: str
    def __init__(self, id: _Optional[int] = ..., stream: _Optional[str] = ..., stream_sequence: _Optional[int] = ..., subject: _Optional[str] = ..., activity_id: _Optional[str] = ..., user_id: _Optional[str] = ..., num_delivered: _Optional[int] = ..., error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution: _Optional[str] = ...) -> None: ...

class RedriveDeadLettersRequest(_message.Message):
    __slots__ = ("ids", "all")
    IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    all: bool
    def __init__(self, ids: _Optional[_Iterable[int]] = ..., all: _Optional[bool] = ...) -> None: ...

class RedriveDeadLettersResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: ReplayProgress
    def __init__(self, progress: _Optional[_Union[ReplayProgress, _Mapping]] = ...) -> None: ...

class GetPipelineStatsRequest(_message.Message):
    __slots__ = ("window",)
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    window: _duration_pb2.Duration
    def __init__(self, window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetPipelineStatsResponse(_message.Message):
    __slots__ = ("window", "generated_at", "statuses", "analysis_delay", "queue_delay", "analysis_time", "advice_time", "queue", "outbox_backlog", "outbox_oldest_age_s", "dead_letters", "top_failures", "stored_objects", "stored_bytes", "analyzer_version", "analysis_delay_histogram")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_DELAY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DELAY_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_TIME_FIELD_NUMBER: _ClassVar[int]
    ADVICE_TIME_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_BACKLOG_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_OLDEST_AGE_S_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    TOP_FAILURES_FIELD_NUMBER: _ClassVar[int]
    STORED_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_VERSION_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_DELAY_HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    window: _duration_pb2.Duration
    generated_at: _timestamp_pb2.Timestamp
    statuses: _containers.RepeatedCompositeFieldContainer[StatusCount]
    analysis_delay: DelayStats
    queue_delay: DelayStats
    analysis_time: DelayStats
    advice_time: DelayStats
    queue: QueueDepth
    outbox_backlog: int
    outbox_oldest_age_s: float
    dead_letters: int
    top_failures: _containers.RepeatedCompositeFieldContainer[FailureCount]
    stored_objects: int
    stored_bytes: int
    analyzer_version: str
    analysis_delay_histogram: _containers.RepeatedCompositeFieldContainer[DelayBucket]
    def __init__(self, window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., analysis_delay: _Optional[_Union[DelayStats, _Mapping]] = ..., queue_delay: _Optional[_Union[DelayStats, _Mapping]] = ..., analysis_time: _Optional[_Union[DelayStats, _Mapping]] = ..., advice_time: _Optional[_Union[DelayStats, _Mapping]] = ..., queue: _Optional[_Union[QueueDepth, _Mapping]] = ..., outbox_backlog: _Optional[int] = ..., outbox_oldest_age_s: _Optional[float] = ..., dead_letters: _Optional[int] = ..., top_failures: _Optional[_Iterable[_Union[FailureCount, _Mapping]]] = ..., stored_objects: _Optional[int] = ..., stored_bytes: _Optional[int] = ..., analyzer_version: _Optional[str] = ..., analysis_delay_histogram: _Optional[_Iterable[_Union[DelayBucket, _Mapping]]] = ...) -> None: ...

class StatusCount(_message.Message):
    __slots__ = ("status", "count", "avg_size_kb")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AVG_SIZE_KB_FIELD_NUMBER: _ClassVar[int]
    status: str
    count: int
    avg_size_kb: float
    def __init__(self, status: _Optional[str] = ..., count: _Optional[int] = ..., avg_size_kb: _Optional[float] = ...) -> None: ...

class DelayStats(_message.Message):
    __slots__ = ("count", "avg_s", "p50_s", "p95_s", "max_s")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AVG_S_FIELD_NUMBER: _ClassVar[int]
    P50_S_FIELD_NUMBER: _ClassVar[int]
    P95_S_FIELD_NUMBER: _ClassVar[int]
    MAX_S_FIELD_NUMBER: _ClassVar[int]
    count: int
    avg_s: float
    p50_s: float
    p95_s: float
    max_s: float
    def __init__(self, count: _Optional[int] = ..., avg_s: _Optional[float] = ..., p50_s: _Optional[float] = ..., p95_s: _Optional[float] = ..., max_s: _Optional[float] = ...) -> None: ...

class DelayBucket(_message.Message):
    __slots__ = ("le_s", "count")
    LE_S_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    le_s: float
    count: int
    def __init__(self, le_s: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class QueueDepth(_message.Message):
    __slots__ = ("consumer", "pending", "ack_pending", "redelivered", "stream_messages", "stream_last_sequence")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    ACK_PENDING_FIELD_NUMBER: _ClassVar[int]
    REDELIVERED_FIELD_NUMBER: _ClassVar[int]
    STREAM_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    STREAM_LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    pending: int
    ack_pending: int
    redelivered: int
    stream_messages: int
    stream_last_sequence: int
    def __init__(self, consumer: _Optional[str] = ..., pending: _Optional[int] = ..., ack_pending: _Optional[int] = ..., redelivered: _Optional[int] = ..., stream_messages: _Optional[int] = ..., stream_last_sequence: _Optional[int] = ...) -> None: ...

class FailureCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: str
    count: int
    def __init__(self, reason: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class GetStorageCostRequest(_message.Message):
    __slots__ = ("month", "users", "uploads_per_user", "downloads_per_user", "stored_mb_per_user")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    UPLOADS_PER_USER_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_PER_USER_FIELD_NUMBER: _ClassVar[int]
    STORED_MB_PER_USER_FIELD_NUMBER: _ClassVar[int]
    month: str
    users: int
    uploads_per_user: float
    downloads_per_user: float
    stored_mb_per_user: float
    def __init__(self, month: _Optional[str] = ..., users: _Optional[int] = ..., uploads_per_user: _Optional[float] = ..., downloads_per_user: _Optional[float] = ..., stored_mb_per_user: _Optional[float] = ...) -> None: ...

class GetStorageCostResponse(_message.Message):
    __slots__ = ("month", "prices", "usage", "projection")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    PRICES_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    month: str
    prices: StoragePrices
    usage: StorageUsage
    projection: CostProjection
    def __init__(self, month: _Optional[str] = ..., prices: _Optional[_Union[StoragePrices, _Mapping]] = ..., usage: _Optional[_Union[StorageUsage, _Mapping]] = ..., projection: _Optional[_Union[CostProjection, _Mapping]] = ...) -> None: ...

class StoragePrices(_message.Message):
    __slots__ = ("storage_gb_month", "class_a_per_million", "class_b_per_million")
    STORAGE_GB_MONTH_FIELD_NUMBER: _ClassVar[int]
    CLASS_A_PER_MILLION_FIELD_NUMBER: _ClassVar[int]
    CLASS_B_PER_MILLION_FIELD_NUMBER: _ClassVar[int]
    storage_gb_month: float
    class_a_per_million: float
    class_b_per_million: float
    def __init__(self, storage_gb_month: _Optional[float] = ..., class_a_per_million: _Optional[float] = ..., class_b_per_million: _Optional[float] = ...) -> None: ...

class StorageUsage(_message.Message):
    __slots__ = ("stored_objects", "stored_bytes", "gb_months_to_date", "gb_months_projected", "class_a_operations", "class_b_operations", "free_operations", "operations", "storage_cost", "class_a_cost", "class_b_cost", "total_cost")
    class OperationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STORED_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    GB_MONTHS_TO_DATE_FIELD_NUMBER: _ClassVar[int]
    GB_MONTHS_PROJECTED_FIELD_NUMBER: _ClassVar[int]
    CLASS_A_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    CLASS_B_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    FREE_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_COST_FIELD_NUMBER: _ClassVar[int]
    CLASS_A_COST_FIELD_NUMBER: _ClassVar[int]
    CLASS_B_COST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FIELD_NUMBER: _ClassVar[int]
    stored_objects: int
    stored_bytes: int
    gb_months_to_date: float
    gb_months_projected: float
    class_a_operations: int
    class_b_operations: int
    free_operations: int
    operations: _containers.ScalarMap[str, int]
    storage_cost: float
    class_a_cost: float
    class_b_cost: float
    total_cost: float
    def __init__(self, stored_objects: _Optional[int] = ..., stored_bytes: _Optional[int] = ..., gb_months_to_date: _Optional[float] = ..., gb_months_projected: _Optional[float] = ..., class_a_operations: _Optional[int] = ..., class_b_operations: _Optional[int] = ..., free_operations: _Optional[int] = ..., operations: _Optional[_Mapping[str, int]] = ..., storage_cost: _Optional[float] = ..., class_a_cost: _Optional[float] = ..., class_b_cost: _Optional[float] = ..., total_cost: _Optional[float] = ...) -> None: ...

class CostProjection(_message.Message):
    __slots__ = ("users", "uploads_per_user", "downloads_per_user", "stored_mb_per_user", "storage_cost", "upload_cost", "download_cost", "total_cost", "measured_stored_mb_per_user", "measured_uploads_per_user")
    USERS_FIELD_NUMBER: _ClassVar[int]
    UPLOADS_PER_USER_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_PER_USER_FIELD_NUMBER: _ClassVar[int]
    STORED_MB_PER_USER_FIELD_NUMBER: _ClassVar[int]
    STORAGE_COST_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_COST_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_COST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FIELD_NUMBER: _ClassVar[int]
    MEASURED_STORED_MB_PER_USER_FIELD_NUMBER: _ClassVar[int]
    MEASURED_UPLOADS_PER_USER_FIELD_NUMBER: _ClassVar[int]
    users: int
    uploads_per_user: float
    downloads_per_user: float
    stored_mb_per_user: float
    storage_cost: float
    upload_cost: float
    download_cost: float
    total_cost: float
    measured_stored_mb_per_user: float
    measured_uploads_per_user: float
    def __init__(self, users: _Optional[int] = ..., uploads_per_user: _Optional[float] = ..., downloads_per_user: _Optional[float] = ..., stored_mb_per_user: _Optional[float] = ..., storage_cost: _Optional[float] = ..., upload_cost: _Optional[float] = ..., download_cost: _Optional[float] = ..., total_cost: _Optional[float] = ..., measured_stored_mb_per_user: _Optional[float] = ..., measured_uploads_per_user: _Optional[float] = ...) -> None: ...

class MigrateLegacyRequest(_message.Message):
    __slots__ = ("legacy_dsn", "tables", "from_dir", "from_dir_user_id", "user_map_csv", "user_map_query", "no_analyze", "write_back", "dry_run", "parallelism", "files_root")
    LEGACY_DSN_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    FROM_DIR_FIELD_NUMBER: _ClassVar[int]
    FROM_DIR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MAP_CSV_FIELD_NUMBER: _ClassVar[int]
    USER_MAP_QUERY_FIELD_NUMBER: _ClassVar[int]
    NO_ANALYZE_FIELD_NUMBER: _ClassVar[int]
    WRITE_BACK_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    FILES_ROOT_FIELD_NUMBER: _ClassVar[int]
    legacy_dsn: str
    tables: _containers.RepeatedCompositeFieldContainer[LegacyTable]
    from_dir: str
    from_dir_user_id: str
    user_map_csv: str
    user_map_query: str
    no_analyze: bool
    write_back: bool
    dry_run: bool
    parallelism: int
    files_root: str
    def __init__(self, legacy_dsn: _Optional[str] = ..., tables: _Optional[_Iterable[_Union[LegacyTable, _Mapping]]] = ..., from_dir: _Optional[str] = ..., from_dir_user_id: _Optional[str] = ..., user_map_csv: _Optional[str] = ..., user_map_query: _Optional[str] = ..., no_analyze: _Optional[bool] = ..., write_back: _Optional[bool] = ..., dry_run: _Optional[bool] = ..., parallelism: _Optional[int] = ..., files_root: _Optional[str] = ...) -> None: ...

class LegacyTable(_message.Message):
    __slots__ = ("name", "id_column", "user_column", "path_column", "content_column")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_COLUMN_FIELD_NUMBER: _ClassVar[int]
    USER_COLUMN_FIELD_NUMBER: _ClassVar[int]
    PATH_COLUMN_FIELD_NUMBER: _ClassVar[int]
    CONTENT_COLUMN_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_column: str
    user_column: str
    path_column: str
    content_column: str
    def __init__(self, name: _Optional[str] = ..., id_column: _Optional[str] = ..., user_column: _Optional[str] = ..., path_column: _Optional[str] = ..., content_column: _Optional[str] = ...) -> None: ...

class MigrateLegacyResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: MigrationProgress
    def __init__(self, progress: _Optional[_Union[MigrationProgress, _Mapping]] = ...) -> None: ...

class MigrationProgress(_message.Message):
    __slots__ = ("run_id", "total", "done", "migrated", "already_migrated", "duplicates", "failed", "bytes", "rate_per_s", "eta_s", "dry_run", "final", "failures", "queued", "elapsed_s")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    MIGRATED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_MIGRATED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_S_FIELD_NUMBER: _ClassVar[int]
    ETA_S_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    total: int
    done: int
    migrated: int
    already_migrated: int
    duplicates: int
    failed: int
    bytes: int
    rate_per_s: float
    eta_s: float
    dry_run: bool
    final: bool
    failures: _containers.RepeatedCompositeFieldContainer[MigrationFailure]
    queued: int
    elapsed_s: float
    def __init__(self, run_id: _Optional[str] = ..., total: _Optional[int] = ..., done: _Optional[int] = ..., migrated: _Optional[int] = ..., already_migrated: _Optional[int] = ..., duplicates: _Optional[int] = ..., failed: _Optional[int] = ..., bytes: _Optional[int] = ..., rate_per_s: _Optional[float] = ..., eta_s: _Optional[float] = ..., dry_run: _Optional[bool] = ..., final: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[MigrationFailure, _Mapping]]] = ..., queued: _Optional[int] = ..., elapsed_s: _Optional[float] = ...) -> None: ...

class MigrationFailure(_message.Message):
    __slots__ = ("source", "legacy_id", "reason")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LEGACY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    source: str
    legacy_id: str
    reason: str
    def __init__(self, source: _Optional[str] = ..., legacy_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListMigrationRunsRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListMigrationRunsResponse(_message.Message):
    __slots__ = ("runs",)
    RUNS_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[MigrationRun]
    def __init__(self, runs: _Optional[_Iterable[_Union[MigrationRun, _Mapping]]] = ...) -> None: ...

class MigrationRun(_message.Message):
    __slots__ = ("run_id", "operator_id", "source", "started_at", "finished_at", "state", "report")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    operator_id: str
    source: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    state: str
    report: MigrationProgress
    def __init__(self, run_id: _Optional[str] = ..., operator_id: _Optional[str] = ..., source: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ..., report: _Optional[_Union[MigrationProgress, _Mapping]] = ...) -> None: ...
