import datetime

from fitcoach.advisor.v1 import advisor_service_pb2 as _advisor_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_STATUS_UNSPECIFIED: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_PENDING: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_UPLOADED: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_ANALYZING: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_ANALYZED: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_FAILED: _ClassVar[ActivityStatus]
    ACTIVITY_STATUS_DUPLICATE: _ClassVar[ActivityStatus]

class AdviceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADVICE_STATUS_UNSPECIFIED: _ClassVar[AdviceStatus]
    ADVICE_STATUS_PENDING: _ClassVar[AdviceStatus]
    ADVICE_STATUS_READY: _ClassVar[AdviceStatus]
    ADVICE_STATUS_FAILED: _ClassVar[AdviceStatus]

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    SEX_MALE: _ClassVar[Sex]
    SEX_FEMALE: _ClassVar[Sex]

class UnitSystem(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_SYSTEM_UNSPECIFIED: _ClassVar[UnitSystem]
    UNIT_SYSTEM_METRIC: _ClassVar[UnitSystem]
    UNIT_SYSTEM_IMPERIAL: _ClassVar[UnitSystem]

class FailureKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FAILURE_KIND_UNSPECIFIED: _ClassVar[FailureKind]
    FAILURE_KIND_BAD_FILE: _ClassVar[FailureKind]
    FAILURE_KIND_INTERNAL_ERROR: _ClassVar[FailureKind]
    FAILURE_KIND_GAVE_UP: _ClassVar[FailureKind]
ACTIVITY_STATUS_UNSPECIFIED: ActivityStatus
ACTIVITY_STATUS_PENDING: ActivityStatus
ACTIVITY_STATUS_UPLOADED: ActivityStatus
ACTIVITY_STATUS_ANALYZING: ActivityStatus
ACTIVITY_STATUS_ANALYZED: ActivityStatus
ACTIVITY_STATUS_FAILED: ActivityStatus
ACTIVITY_STATUS_DUPLICATE: ActivityStatus
ADVICE_STATUS_UNSPECIFIED: AdviceStatus
ADVICE_STATUS_PENDING: AdviceStatus
ADVICE_STATUS_READY: AdviceStatus
ADVICE_STATUS_FAILED: AdviceStatus
SEX_UNSPECIFIED: Sex
SEX_MALE: Sex
SEX_FEMALE: Sex
UNIT_SYSTEM_UNSPECIFIED: UnitSystem
UNIT_SYSTEM_METRIC: UnitSystem
UNIT_SYSTEM_IMPERIAL: UnitSystem
FAILURE_KIND_UNSPECIFIED: FailureKind
FAILURE_KIND_BAD_FILE: FailureKind
FAILURE_KIND_INTERNAL_ERROR: FailureKind
FAILURE_KIND_GAVE_UP: FailureKind

class GetActivityRequest(_message.Message):
    __slots__ = ("activity_id",)
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    def __init__(self, activity_id: _Optional[str] = ...) -> None: ...

class GetActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class ListActivitiesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "sport")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SPORT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    sport: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., sport: _Optional[str] = ...) -> None: ...

class ListActivitiesResponse(_message.Message):
    __slots__ = ("activities", "next_page_token")
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    activities: _containers.RepeatedCompositeFieldContainer[Activity]
    next_page_token: str
    def __init__(self, activities: _Optional[_Iterable[_Union[Activity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchActivityRequest(_message.Message):
    __slots__ = ("activity_id",)
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    def __init__(self, activity_id: _Optional[str] = ...) -> None: ...

class WatchActivityResponse(_message.Message):
    __slots__ = ("activity_id", "status", "advice_status", "failure_reason", "changed_at")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ADVICE_STATUS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    status: ActivityStatus
    advice_status: AdviceStatus
    failure_reason: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, activity_id: _Optional[str] = ..., status: _Optional[_Union[ActivityStatus, str]] = ..., advice_status: _Optional[_Union[AdviceStatus, str]] = ..., failure_reason: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAthleteProfileRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAthleteProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: AthleteProfile
    def __init__(self, profile: _Optional[_Union[AthleteProfile, _Mapping]] = ...) -> None: ...

class UpdateAthleteProfileRequest(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: AthleteProfile
    def __init__(self, profile: _Optional[_Union[AthleteProfile, _Mapping]] = ...) -> None: ...

class UpdateAthleteProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: AthleteProfile
    def __init__(self, profile: _Optional[_Union[AthleteProfile, _Mapping]] = ...) -> None: ...

class GetFitnessTrendRequest(_message.Message):
    __slots__ = ("start_date", "end_date")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    start_date: str
    end_date: str
    def __init__(self, start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class GetFitnessTrendResponse(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[_advisor_service_pb2.FitnessDay]
    def __init__(self, days: _Optional[_Iterable[_Union[_advisor_service_pb2.FitnessDay, _Mapping]]] = ...) -> None: ...

class AthleteProfile(_message.Message):
    __slots__ = ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "ftp_w", "threshold_pace_s_per_km", "sex", "language", "critical_power_w", "w_prime_j", "weight_kg", "units")
    MAX_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    REST_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    FTP_W_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_PACE_S_PER_KM_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_POWER_W_FIELD_NUMBER: _ClassVar[int]
    W_PRIME_J_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    max_hr_bpm: float
    rest_hr_bpm: float
    threshold_hr_bpm: float
    ftp_w: float
    threshold_pace_s_per_km: float
    sex: Sex
    language: str
    critical_power_w: float
    w_prime_j: float
    weight_kg: float
    units: UnitSystem
    def __init__(self, max_hr_bpm: _Optional[float] = ..., rest_hr_bpm: _Optional[float] = ..., threshold_hr_bpm: _Optional[float] = ..., ftp_w: _Optional[float] = ..., threshold_pace_s_per_km: _Optional[float] = ..., sex: _Optional[_Union[Sex, str]] = ..., language: _Optional[str] = ..., critical_power_w: _Optional[float] = ..., w_prime_j: _Optional[float] = ..., weight_kg: _Optional[float] = ..., units: _Optional[_Union[UnitSystem, str]] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("activity_id", "file_name", "size_bytes", "sha256", "status", "advice_status", "failure_reason", "duplicate_of", "times", "sport", "start_time", "summary", "sessions", "advice", "analyzer_version", "record_count", "device", "local_offset_s", "legacy_id", "failure_kind")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ADVICE_STATUS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_OF_FIELD_NUMBER: _ClassVar[int]
    TIMES_FIELD_NUMBER: _ClassVar[int]
    SPORT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    ADVICE_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    LOCAL_OFFSET_S_FIELD_NUMBER: _ClassVar[int]
    LEGACY_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_KIND_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    file_name: str
    size_bytes: int
    sha256: str
    status: ActivityStatus
    advice_status: AdviceStatus
    failure_reason: str
    duplicate_of: str
    times: ActivityTimes
    sport: str
    start_time: _timestamp_pb2.Timestamp
    summary: MetricSet
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    advice: _advisor_service_pb2.Advice
    analyzer_version: str
    record_count: int
    device: str
    local_offset_s: int
    legacy_id: str
    failure_kind: FailureKind
    def __init__(self, activity_id: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., status: _Optional[_Union[ActivityStatus, str]] = ..., advice_status: _Optional[_Union[AdviceStatus, str]] = ..., failure_reason: _Optional[str] = ..., duplicate_of: _Optional[str] = ..., times: _Optional[_Union[ActivityTimes, _Mapping]] = ..., sport: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[_Union[MetricSet, _Mapping]] = ..., sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., advice: _Optional[_Union[_advisor_service_pb2.Advice, _Mapping]] = ..., analyzer_version: _Optional[str] = ..., record_count: _Optional[int] = ..., device: _Optional[str] = ..., local_offset_s: _Optional[int] = ..., legacy_id: _Optional[str] = ..., failure_kind: _Optional[_Union[FailureKind, str]] = ...) -> None: ...

class ActivityTimes(_message.Message):
    __slots__ = ("created_at", "uploaded_at", "analysis_started_at", "analyzed_at", "advised_at", "failed_at")
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ANALYZED_AT_FIELD_NUMBER: _ClassVar[int]
    ADVISED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    uploaded_at: _timestamp_pb2.Timestamp
    analysis_started_at: _timestamp_pb2.Timestamp
    analyzed_at: _timestamp_pb2.Timestamp
    advised_at: _timestamp_pb2.Timestamp
    failed_at: _timestamp_pb2.Timestamp
    def __init__(self, created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uploaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., analysis_started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., analyzed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., advised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MetricSet(_message.Message):
    __slots__ = ("distance_m", "timer_time_s", "elapsed_time_s", "moving_time_s", "avg_speed_mps", "max_speed_mps", "avg_hr_bpm", "max_hr_bpm", "ascent_m", "descent_m", "avg_power_w", "max_power_w", "normalized_power_w", "avg_cadence", "max_cadence", "calories_kcal", "min_altitude_m", "max_altitude_m", "gap_speed_mps", "trimp", "hr_tss", "intensity_factor", "tss", "variability_index", "efficiency_factor", "decoupling_pct", "avg_temperature_c", "training_load", "training_load_method", "w_bal_min_j", "moving_speed_mps", "robust_max_speed_mps", "avg_power_nonzero_w", "avg_cadence_nonzero", "avg_cadence_with_zeros", "ascent_filtered_m", "descent_filtered_m", "max_depth_m", "avg_depth_m", "bottom_time_s", "surface_interval_s", "dive_count")
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    TIMER_TIME_S_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_TIME_S_FIELD_NUMBER: _ClassVar[int]
    MOVING_TIME_S_FIELD_NUMBER: _ClassVar[int]
    AVG_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    MAX_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    AVG_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    MAX_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    ASCENT_M_FIELD_NUMBER: _ClassVar[int]
    DESCENT_M_FIELD_NUMBER: _ClassVar[int]
    AVG_POWER_W_FIELD_NUMBER: _ClassVar[int]
    MAX_POWER_W_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_POWER_W_FIELD_NUMBER: _ClassVar[int]
    AVG_CADENCE_FIELD_NUMBER: _ClassVar[int]
    MAX_CADENCE_FIELD_NUMBER: _ClassVar[int]
    CALORIES_KCAL_FIELD_NUMBER: _ClassVar[int]
    MIN_ALTITUDE_M_FIELD_NUMBER: _ClassVar[int]
    MAX_ALTITUDE_M_FIELD_NUMBER: _ClassVar[int]
    GAP_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    TRIMP_FIELD_NUMBER: _ClassVar[int]
    HR_TSS_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    TSS_FIELD_NUMBER: _ClassVar[int]
    VARIABILITY_INDEX_FIELD_NUMBER: _ClassVar[int]
    EFFICIENCY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    DECOUPLING_PCT_FIELD_NUMBER: _ClassVar[int]
    AVG_TEMPERATURE_C_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOAD_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOAD_METHOD_FIELD_NUMBER: _ClassVar[int]
    W_BAL_MIN_J_FIELD_NUMBER: _ClassVar[int]
    MOVING_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    ROBUST_MAX_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    AVG_POWER_NONZERO_W_FIELD_NUMBER: _ClassVar[int]
    AVG_CADENCE_NONZERO_FIELD_NUMBER: _ClassVar[int]
    AVG_CADENCE_WITH_ZEROS_FIELD_NUMBER: _ClassVar[int]
    ASCENT_FILTERED_M_FIELD_NUMBER: _ClassVar[int]
    DESCENT_FILTERED_M_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    AVG_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    BOTTOM_TIME_S_FIELD_NUMBER: _ClassVar[int]
    SURFACE_INTERVAL_S_FIELD_NUMBER: _ClassVar[int]
    DIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    distance_m: float
    timer_time_s: float
    elapsed_time_s: float
    moving_time_s: float
    avg_speed_mps: float
    max_speed_mps: float
    avg_hr_bpm: float
    max_hr_bpm: float
    ascent_m: float
    descent_m: float
    avg_power_w: float
    max_power_w: float
    normalized_power_w: float
    avg_cadence: float
    max_cadence: float
    calories_kcal: float
    min_altitude_m: float
    max_altitude_m: float
    gap_speed_mps: float
    trimp: float
    hr_tss: float
    intensity_factor: float
    tss: float
    variability_index: float
    efficiency_factor: float
    decoupling_pct: float
    avg_temperature_c: float
    training_load: float
    training_load_method: str
    w_bal_min_j: float
    moving_speed_mps: float
    robust_max_speed_mps: float
    avg_power_nonzero_w: float
    avg_cadence_nonzero: float
    avg_cadence_with_zeros: float
    ascent_filtered_m: float
    descent_filtered_m: float
    max_depth_m: float
    avg_depth_m: float
    bottom_time_s: float
    surface_interval_s: float
    dive_count: int
    def __init__(self, distance_m: _Optional[float] = ..., timer_time_s: _Optional[float] = ..., elapsed_time_s: _Optional[float] = ..., moving_time_s: _Optional[float] = ..., avg_speed_mps: _Optional[float] = ..., max_speed_mps: _Optional[float] = ..., avg_hr_bpm: _Optional[float] = ..., max_hr_bpm: _Optional[float] = ..., ascent_m: _Optional[float] = ..., descent_m: _Optional[float] = ..., avg_power_w: _Optional[float] = ..., max_power_w: _Optional[float] = ..., normalized_power_w: _Optional[float] = ..., avg_cadence: _Optional[float] = ..., max_cadence: _Optional[float] = ..., calories_kcal: _Optional[float] = ..., min_altitude_m: _Optional[float] = ..., max_altitude_m: _Optional[float] = ..., gap_speed_mps: _Optional[float] = ..., trimp: _Optional[float] = ..., hr_tss: _Optional[float] = ..., intensity_factor: _Optional[float] = ..., tss: _Optional[float] = ..., variability_index: _Optional[float] = ..., efficiency_factor: _Optional[float] = ..., decoupling_pct: _Optional[float] = ..., avg_temperature_c: _Optional[float] = ..., training_load: _Optional[float] = ..., training_load_method: _Optional[str] = ..., w_bal_min_j: _Optional[float] = ..., moving_speed_mps: _Optional[float] = ..., robust_max_speed_mps: _Optional[float] = ..., avg_power_nonzero_w: _Optional[float] = ..., avg_cadence_nonzero: _Optional[float] = ..., avg_cadence_with_zeros: _Optional[float] = ..., ascent_filtered_m: _Optional[float] = ..., descent_filtered_m: _Optional[float] = ..., max_depth_m: _Optional[float] = ..., avg_depth_m: _Optional[float] = ..., bottom_time_s: _Optional[float] = ..., surface_interval_s: _Optional[float] = ..., dive_count: _Optional[int] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("sport", "sub_sport", "start_time", "device", "computed", "laps", "splits_km", "splits_mile", "hr_zones", "power_zones", "best_efforts", "power_curve", "swim", "defaults_used", "streams", "dive")
    SPORT_FIELD_NUMBER: _ClassVar[int]
    SUB_SPORT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    LAPS_FIELD_NUMBER: _ClassVar[int]
    SPLITS_KM_FIELD_NUMBER: _ClassVar[int]
    SPLITS_MILE_FIELD_NUMBER: _ClassVar[int]
    HR_ZONES_FIELD_NUMBER: _ClassVar[int]
    POWER_ZONES_FIELD_NUMBER: _ClassVar[int]
    BEST_EFFORTS_FIELD_NUMBER: _ClassVar[int]
    POWER_CURVE_FIELD_NUMBER: _ClassVar[int]
    SWIM_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_USED_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    DIVE_FIELD_NUMBER: _ClassVar[int]
    sport: str
    sub_sport: str
    start_time: _timestamp_pb2.Timestamp
    device: MetricSet
    computed: MetricSet
    laps: _containers.RepeatedCompositeFieldContainer[Lap]
    splits_km: _containers.RepeatedCompositeFieldContainer[Split]
    splits_mile: _containers.RepeatedCompositeFieldContainer[Split]
    hr_zones: _containers.RepeatedCompositeFieldContainer[Zone]
    power_zones: _containers.RepeatedCompositeFieldContainer[Zone]
    best_efforts: _containers.RepeatedCompositeFieldContainer[BestEffort]
    power_curve: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    swim: Swim
    defaults_used: _containers.RepeatedScalarFieldContainer[str]
    streams: ChartStreams
    dive: Dive
    def __init__(self, sport: _Optional[str] = ..., sub_sport: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., device: _Optional[_Union[MetricSet, _Mapping]] = ..., computed: _Optional[_Union[MetricSet, _Mapping]] = ..., laps: _Optional[_Iterable[_Union[Lap, _Mapping]]] = ..., splits_km: _Optional[_Iterable[_Union[Split, _Mapping]]] = ..., splits_mile: _Optional[_Iterable[_Union[Split, _Mapping]]] = ..., hr_zones: _Optional[_Iterable[_Union[Zone, _Mapping]]] = ..., power_zones: _Optional[_Iterable[_Union[Zone, _Mapping]]] = ..., best_efforts: _Optional[_Iterable[_Union[BestEffort, _Mapping]]] = ..., power_curve: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., swim: _Optional[_Union[Swim, _Mapping]] = ..., defaults_used: _Optional[_Iterable[str]] = ..., streams: _Optional[_Union[ChartStreams, _Mapping]] = ..., dive: _Optional[_Union[Dive, _Mapping]] = ...) -> None: ...

class Lap(_message.Message):
    __slots__ = ("index", "start_time", "metrics")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    index: int
    start_time: _timestamp_pb2.Timestamp
    metrics: MetricSet
    def __init__(self, index: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metrics: _Optional[_Union[MetricSet, _Mapping]] = ...) -> None: ...

class Split(_message.Message):
    __slots__ = ("index", "distance_m", "time_s", "pace_s_per_km", "avg_hr_bpm", "ascent_m", "descent_m")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    PACE_S_PER_KM_FIELD_NUMBER: _ClassVar[int]
    AVG_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    ASCENT_M_FIELD_NUMBER: _ClassVar[int]
    DESCENT_M_FIELD_NUMBER: _ClassVar[int]
    index: int
    distance_m: float
    time_s: float
    pace_s_per_km: float
    avg_hr_bpm: float
    ascent_m: float
    descent_m: float
    def __init__(self, index: _Optional[int] = ..., distance_m: _Optional[float] = ..., time_s: _Optional[float] = ..., pace_s_per_km: _Optional[float] = ..., avg_hr_bpm: _Optional[float] = ..., ascent_m: _Optional[float] = ..., descent_m: _Optional[float] = ...) -> None: ...

class Zone(_message.Message):
    __slots__ = ("zone", "low", "high", "seconds")
    ZONE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    zone: int
    low: float
    high: float
    seconds: float
    def __init__(self, zone: _Optional[int] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., seconds: _Optional[float] = ...) -> None: ...

class BestEffort(_message.Message):
    __slots__ = ("name", "distance_m", "time_s", "power_w", "start_offset_s")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    POWER_W_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_S_FIELD_NUMBER: _ClassVar[int]
    name: str
    distance_m: float
    time_s: float
    power_w: float
    start_offset_s: float
    def __init__(self, name: _Optional[str] = ..., distance_m: _Optional[float] = ..., time_s: _Optional[float] = ..., power_w: _Optional[float] = ..., start_offset_s: _Optional[float] = ...) -> None: ...

class CurvePoint(_message.Message):
    __slots__ = ("duration_s", "value")
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    value: float
    def __init__(self, duration_s: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class Swim(_message.Message):
    __slots__ = ("pool_length_m", "active_lengths", "strokes", "avg_swolf", "pace_s_per_100m")
    POOL_LENGTH_M_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_LENGTHS_FIELD_NUMBER: _ClassVar[int]
    STROKES_FIELD_NUMBER: _ClassVar[int]
    AVG_SWOLF_FIELD_NUMBER: _ClassVar[int]
    PACE_S_PER_100M_FIELD_NUMBER: _ClassVar[int]
    pool_length_m: float
    active_lengths: int
    strokes: float
    avg_swolf: float
    pace_s_per_100m: float
    def __init__(self, pool_length_m: _Optional[float] = ..., active_lengths: _Optional[int] = ..., strokes: _Optional[float] = ..., avg_swolf: _Optional[float] = ..., pace_s_per_100m: _Optional[float] = ...) -> None: ...

class Dive(_message.Message):
    __slots__ = ("dives", "surface_interval_before_s", "dive_number")
    DIVES_FIELD_NUMBER: _ClassVar[int]
    SURFACE_INTERVAL_BEFORE_S_FIELD_NUMBER: _ClassVar[int]
    DIVE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    dives: _containers.RepeatedCompositeFieldContainer[DiveSegment]
    surface_interval_before_s: float
    dive_number: int
    def __init__(self, dives: _Optional[_Iterable[_Union[DiveSegment, _Mapping]]] = ..., surface_interval_before_s: _Optional[float] = ..., dive_number: _Optional[int] = ...) -> None: ...

class DiveSegment(_message.Message):
    __slots__ = ("index", "start_offset_s", "dive_time_s", "max_depth_m", "avg_depth_m", "surface_interval_s")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_S_FIELD_NUMBER: _ClassVar[int]
    DIVE_TIME_S_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    AVG_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    SURFACE_INTERVAL_S_FIELD_NUMBER: _ClassVar[int]
    index: int
    start_offset_s: float
    dive_time_s: float
    max_depth_m: float
    avg_depth_m: float
    surface_interval_s: float
    def __init__(self, index: _Optional[int] = ..., start_offset_s: _Optional[float] = ..., dive_time_s: _Optional[float] = ..., max_depth_m: _Optional[float] = ..., avg_depth_m: _Optional[float] = ..., surface_interval_s: _Optional[float] = ...) -> None: ...

class ChartStreams(_message.Message):
    __slots__ = ("elapsed_s", "distance_m", "heart_rate_bpm", "speed_mps", "altitude_m", "power_w", "cadence", "lat_deg", "lon_deg")
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    HEART_RATE_BPM_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    ALTITUDE_M_FIELD_NUMBER: _ClassVar[int]
    POWER_W_FIELD_NUMBER: _ClassVar[int]
    CADENCE_FIELD_NUMBER: _ClassVar[int]
    LAT_DEG_FIELD_NUMBER: _ClassVar[int]
    LON_DEG_FIELD_NUMBER: _ClassVar[int]
    elapsed_s: _containers.RepeatedScalarFieldContainer[float]
    distance_m: _containers.RepeatedScalarFieldContainer[float]
    heart_rate_bpm: _containers.RepeatedScalarFieldContainer[float]
    speed_mps: _containers.RepeatedScalarFieldContainer[float]
    altitude_m: _containers.RepeatedScalarFieldContainer[float]
    power_w: _containers.RepeatedScalarFieldContainer[float]
    cadence: _containers.RepeatedScalarFieldContainer[float]
    lat_deg: _containers.RepeatedScalarFieldContainer[float]
    lon_deg: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, elapsed_s: _Optional[_Iterable[float]] = ..., distance_m: _Optional[_Iterable[float]] = ..., heart_rate_bpm: _Optional[_Iterable[float]] = ..., speed_mps: _Optional[_Iterable[float]] = ..., altitude_m: _Optional[_Iterable[float]] = ..., power_w: _Optional[_Iterable[float]] = ..., cadence: _Optional[_Iterable[float]] = ..., lat_deg: _Optional[_Iterable[float]] = ..., lon_deg: _Optional[_Iterable[float]] = ...) -> None: ...
