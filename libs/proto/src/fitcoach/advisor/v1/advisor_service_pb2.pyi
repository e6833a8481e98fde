import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Engine(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENGINE_UNSPECIFIED: _ClassVar[Engine]
    ENGINE_GEMINI: _ClassVar[Engine]
    ENGINE_OFFLINE: _ClassVar[Engine]
ENGINE_UNSPECIFIED: Engine
ENGINE_GEMINI: Engine
ENGINE_OFFLINE: Engine

class GenerateAdviceRequest(_message.Message):
    __slots__ = ("language", "workout", "recent_days", "athlete", "offline_only", "history")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    WORKOUT_FIELD_NUMBER: _ClassVar[int]
    RECENT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ATHLETE_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_ONLY_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    language: str
    workout: WorkoutNumbers
    recent_days: _containers.RepeatedCompositeFieldContainer[FitnessDay]
    athlete: AthleteNumbers
    offline_only: bool
    history: TrainingHistory
    def __init__(self, language: _Optional[str] = ..., workout: _Optional[_Union[WorkoutNumbers, _Mapping]] = ..., recent_days: _Optional[_Iterable[_Union[FitnessDay, _Mapping]]] = ..., athlete: _Optional[_Union[AthleteNumbers, _Mapping]] = ..., offline_only: _Optional[bool] = ..., history: _Optional[_Union[TrainingHistory, _Mapping]] = ...) -> None: ...

class TrainingHistory(_message.Message):
    __slots__ = ("days_since_first_activity", "active_days", "weeks_with_data", "days_since_previous_activity")
    DAYS_SINCE_FIRST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WEEKS_WITH_DATA_FIELD_NUMBER: _ClassVar[int]
    DAYS_SINCE_PREVIOUS_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    days_since_first_activity: int
    active_days: int
    weeks_with_data: int
    days_since_previous_activity: int
    def __init__(self, days_since_first_activity: _Optional[int] = ..., active_days: _Optional[int] = ..., weeks_with_data: _Optional[int] = ..., days_since_previous_activity: _Optional[int] = ...) -> None: ...

class WorkoutNumbers(_message.Message):
    __slots__ = ("sport", "sub_sport", "start_time", "distance_m", "timer_time_s", "moving_time_s", "avg_speed_mps", "avg_hr_bpm", "max_hr_bpm", "ascent_m", "avg_power_w", "normalized_power_w", "training_load", "decoupling_pct", "intensity_factor", "hr_zone_seconds", "max_depth_m", "avg_depth_m", "bottom_time_s", "surface_interval_s", "dive_count")
    SPORT_FIELD_NUMBER: _ClassVar[int]
    SUB_SPORT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    TIMER_TIME_S_FIELD_NUMBER: _ClassVar[int]
    MOVING_TIME_S_FIELD_NUMBER: _ClassVar[int]
    AVG_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    AVG_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    MAX_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    ASCENT_M_FIELD_NUMBER: _ClassVar[int]
    AVG_POWER_W_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_POWER_W_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOAD_FIELD_NUMBER: _ClassVar[int]
    DECOUPLING_PCT_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    HR_ZONE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    AVG_DEPTH_M_FIELD_NUMBER: _ClassVar[int]
    BOTTOM_TIME_S_FIELD_NUMBER: _ClassVar[int]
    SURFACE_INTERVAL_S_FIELD_NUMBER: _ClassVar[int]
    DIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    sport: str
    sub_sport: str
    start_time: _timestamp_pb2.Timestamp
    distance_m: float
    timer_time_s: float
    moving_time_s: float
    avg_speed_mps: float
    avg_hr_bpm: float
    max_hr_bpm: float
    ascent_m: float
    avg_power_w: float
    normalized_power_w: float
    training_load: float
    decoupling_pct: float
    intensity_factor: float
    hr_zone_seconds: _containers.RepeatedScalarFieldContainer[float]
    max_depth_m: float
    avg_depth_m: float
    bottom_time_s: float
    surface_interval_s: float
    dive_count: int
    def __init__(self, sport: _Optional[str] = ..., sub_sport: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., distance_m: _Optional[float] = ..., timer_time_s: _Optional[float] = ..., moving_time_s: _Optional[float] = ..., avg_speed_mps: _Optional[float] = ..., avg_hr_bpm: _Optional[float] = ..., max_hr_bpm: _Optional[float] = ..., ascent_m: _Optional[float] = ..., avg_power_w: _Optional[float] = ..., normalized_power_w: _Optional[float] = ..., training_load: _Optional[float] = ..., decoupling_pct: _Optional[float] = ..., intensity_factor: _Optional[float] = ..., hr_zone_seconds: _Optional[_Iterable[float]] = ..., max_depth_m: _Optional[float] = ..., avg_depth_m: _Optional[float] = ..., bottom_time_s: _Optional[float] = ..., surface_interval_s: _Optional[float] = ..., dive_count: _Optional[int] = ...) -> None: ...

class FitnessDay(_message.Message):
    __slots__ = ("date", "load", "ctl", "atl", "tsb")
    DATE_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    CTL_FIELD_NUMBER: _ClassVar[int]
    ATL_FIELD_NUMBER: _ClassVar[int]
    TSB_FIELD_NUMBER: _ClassVar[int]
    date: str
    load: float
    ctl: float
    atl: float
    tsb: float
    def __init__(self, date: _Optional[str] = ..., load: _Optional[float] = ..., ctl: _Optional[float] = ..., atl: _Optional[float] = ..., tsb: _Optional[float] = ...) -> None: ...

class AthleteNumbers(_message.Message):
    __slots__ = ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "ftp_w")
    MAX_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    REST_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_HR_BPM_FIELD_NUMBER: _ClassVar[int]
    FTP_W_FIELD_NUMBER: _ClassVar[int]
    max_hr_bpm: float
    rest_hr_bpm: float
    threshold_hr_bpm: float
    ftp_w: float
    def __init__(self, max_hr_bpm: _Optional[float] = ..., rest_hr_bpm: _Optional[float] = ..., threshold_hr_bpm: _Optional[float] = ..., ftp_w: _Optional[float] = ...) -> None: ...

class GenerateAdviceResponse(_message.Message):
    __slots__ = ("advice",)
    ADVICE_FIELD_NUMBER: _ClassVar[int]
    advice: Advice
    def __init__(self, advice: _Optional[_Union[Advice, _Mapping]] = ...) -> None: ...

class Advice(_message.Message):
    __slots__ = ("summary", "went_well", "to_improve", "next_session", "language", "engine", "model", "prompt_version", "input_hash", "fallback_reason", "created_at")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    WENT_WELL_FIELD_NUMBER: _ClassVar[int]
    TO_IMPROVE_FIELD_NUMBER: _ClassVar[int]
    NEXT_SESSION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    INPUT_HASH_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    summary: str
    went_well: _containers.RepeatedScalarFieldContainer[str]
    to_improve: _containers.RepeatedScalarFieldContainer[str]
    next_session: str
    language: str
    engine: Engine
    model: str
    prompt_version: str
    input_hash: str
    fallback_reason: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, summary: _Optional[str] = ..., went_well: _Optional[_Iterable[str]] = ..., to_improve: _Optional[_Iterable[str]] = ..., next_session: _Optional[str] = ..., language: _Optional[str] = ..., engine: _Optional[_Union[Engine, str]] = ..., model: _Optional[str] = ..., prompt_version: _Optional[str] = ..., input_hash: _Optional[str] = ..., fallback_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
