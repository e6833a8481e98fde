"""ActivityService over gRPC: protobuf in, domain calls, protobuf out. Errors are domain errors."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as pb_grpc
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb
from fitcoach_analysis.load import FitnessDay
from fitcoach_analysis.profile import AthleteProfile, Sex
from fitcoach_runtime.auth import current_principal
from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.grpc_server import ServicerContext
from google.protobuf import json_format

from .activities import ActivityQueries
from .domain import ActivityRecord, FailureKind
from .profiles import ProfileService
from .trends import TrendService

_STATUS = {
    "pending": pb.ACTIVITY_STATUS_PENDING,
    "uploaded": pb.ACTIVITY_STATUS_UPLOADED,
    "analyzing": pb.ACTIVITY_STATUS_ANALYZING,
    "analyzed": pb.ACTIVITY_STATUS_ANALYZED,
    "failed": pb.ACTIVITY_STATUS_FAILED,
    "duplicate": pb.ACTIVITY_STATUS_DUPLICATE,
}
_ADVICE_STATUS = {
    None: pb.ADVICE_STATUS_UNSPECIFIED,
    "pending": pb.ADVICE_STATUS_PENDING,
    "ready": pb.ADVICE_STATUS_READY,
    "failed": pb.ADVICE_STATUS_FAILED,
}
_FAILURE_KIND = {
    FailureKind.BAD_FILE.value: pb.FAILURE_KIND_BAD_FILE,
    FailureKind.INTERNAL_ERROR.value: pb.FAILURE_KIND_INTERNAL_ERROR,
    FailureKind.GAVE_UP.value: pb.FAILURE_KIND_GAVE_UP,
}
_SEX_TO_PROTO: dict[Sex | None, pb.Sex] = {
    None: pb.SEX_UNSPECIFIED,
    "male": pb.SEX_MALE,
    "female": pb.SEX_FEMALE,
}
_SEX_FROM_PROTO: dict[pb.Sex, Sex | None] = {v: k for k, v in _SEX_TO_PROTO.items()}
_PROFILE_NUMBERS = (
    "max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "ftp_w", "threshold_pace_s_per_km", "critical_power_w",
    "w_prime_j", "weight_kg",
)  # fmt: skip
_UNITS_TO_PROTO = {
    "": pb.UNIT_SYSTEM_UNSPECIFIED,
    "metric": pb.UNIT_SYSTEM_METRIC,
    "imperial": pb.UNIT_SYSTEM_IMPERIAL,
}
_UNITS_FROM_PROTO = {v: k for k, v in _UNITS_TO_PROTO.items()}


def _restore_nan(session: dict[str, Any]) -> dict[str, Any]:
    """Chart streams were stored with null for gaps (jsonb has no NaN); the API says NaN."""
    streams = session.get("streams")
    if not isinstance(streams, dict):
        return session
    fixed = {
        name: [math.nan if v is None else v for v in values] if isinstance(values, list) else values
        for name, values in streams.items()
    }
    return {**session, "streams": fixed}


def _metric_set(summary: dict[str, Any]) -> pb.MetricSet:
    clean = {k: v for k, v in summary.items() if v is not None}
    return json_format.ParseDict(clean, pb.MetricSet(), ignore_unknown_fields=True)


def _drop_nulls(value: Any) -> Any:
    # Proto JSON rejects null for scalar fields; an absent optional value is simply left out.
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _session(session: dict[str, Any]) -> pb.Session:
    restored = _restore_nan(session)
    streams = restored.pop("streams", None)
    message = json_format.ParseDict(_drop_nulls(restored), pb.Session(), ignore_unknown_fields=True)
    if isinstance(streams, dict):
        message.streams.CopyFrom(
            json_format.ParseDict(streams, pb.ChartStreams(), ignore_unknown_fields=True)
        )
    return message


def activity_message(record: ActivityRecord, *, full: bool) -> pb.Activity:
    activity = pb.Activity(
        activity_id=record.activity_id,
        file_name=record.file_name,
        size_bytes=record.size_bytes,
        sha256=record.sha256,
        status=_STATUS.get(record.status, pb.ACTIVITY_STATUS_UNSPECIFIED),
        advice_status=_ADVICE_STATUS.get(record.advice_status, pb.ADVICE_STATUS_UNSPECIFIED),
        failure_reason=record.failure_reason if record.status == "failed" else "",
        duplicate_of=record.duplicate_of,
        sport=record.sport,
        analyzer_version=record.analyzer_version,
        record_count=record.record_count,
        device=record.device,
        local_offset_s=record.local_offset_s,
        legacy_id=record.legacy_id,
    )
    if record.status == "failed" and record.failure_kind in _FAILURE_KIND:
        activity.failure_kind = _FAILURE_KIND[record.failure_kind]
    times = {
        "created_at": record.created_at,
        "uploaded_at": record.uploaded_at,
        "analysis_started_at": record.analysis_started_at,
        "analyzed_at": record.analyzed_at,
        "advised_at": record.advised_at,
        "failed_at": record.failed_at,
    }
    for name, value in times.items():
        if value is not None:
            getattr(activity.times, name).FromDatetime(value)
    if record.start_time is not None:
        activity.start_time.FromDatetime(record.start_time)
    if record.summary:
        activity.summary.CopyFrom(_metric_set(record.summary))
    if full:
        activity.sessions.extend(_session(s) for s in record.sessions)
        if record.advice is not None:
            activity.advice.CopyFrom(
                json_format.ParseDict(record.advice.advice, advisor_pb.Advice(), ignore_unknown_fields=True)
            )
    return activity


def watch_message(record: ActivityRecord) -> pb.WatchActivityResponse:
    response = pb.WatchActivityResponse(
        activity_id=record.activity_id,
        status=_STATUS.get(record.status, pb.ACTIVITY_STATUS_UNSPECIFIED),
        advice_status=_ADVICE_STATUS.get(record.advice_status, pb.ADVICE_STATUS_UNSPECIFIED),
        failure_reason=record.failure_reason if record.status == "failed" else "",
    )
    if record.changed_at is not None:
        response.changed_at.FromDatetime(record.changed_at)
    return response


def profile_message(profile: AthleteProfile) -> pb.AthleteProfile:
    message = pb.AthleteProfile(
        sex=_SEX_TO_PROTO.get(profile.sex, pb.SEX_UNSPECIFIED),
        language=profile.language,
        units=_UNITS_TO_PROTO.get(profile.units, pb.UNIT_SYSTEM_UNSPECIFIED),
    )
    for name in _PROFILE_NUMBERS:
        value = getattr(profile, name)
        if value is not None:
            setattr(message, name, value)
    return message


def profile_from_message(message: pb.AthleteProfile) -> AthleteProfile:
    numbers = {name: getattr(message, name) if message.HasField(name) else None for name in _PROFILE_NUMBERS}
    # proto3 enums are open: any int32 arrives. One the API does not define is refused, not stored as "unset".
    if message.sex not in _SEX_FROM_PROTO:
        raise InvalidArgument("sex must be male or female")
    return AthleteProfile(
        **numbers,
        sex=_SEX_FROM_PROTO[message.sex],
        language=message.language.strip().lower(),
        units=_UNITS_FROM_PROTO.get(message.units, ""),
    )


def fitness_day_message(day: FitnessDay) -> advisor_pb.FitnessDay:
    return advisor_pb.FitnessDay(
        date=day.date.isoformat(), load=day.load, ctl=day.ctl, atl=day.atl, tsb=day.tsb
    )


class ActivityServicer(pb_grpc.ActivityServiceServicer):
    def __init__(self, activities: ActivityQueries, profiles: ProfileService, trends: TrendService) -> None:
        self.activities = activities
        self.profiles = profiles
        self.trends = trends

    async def GetActivity(
        self, request: pb.GetActivityRequest, context: ServicerContext
    ) -> pb.GetActivityResponse:
        record = await self.activities.get(current_principal().user_id, request.activity_id)
        return pb.GetActivityResponse(activity=activity_message(record, full=True))

    async def ListActivities(
        self, request: pb.ListActivitiesRequest, context: ServicerContext
    ) -> pb.ListActivitiesResponse:
        records, token = await self.activities.list(
            current_principal().user_id, request.page_size, request.page_token, sport=request.sport
        )
        return pb.ListActivitiesResponse(
            activities=[activity_message(r, full=False) for r in records], next_page_token=token
        )

    async def WatchActivity(
        self, request: pb.WatchActivityRequest, context: ServicerContext
    ) -> AsyncIterator[pb.WatchActivityResponse]:
        async for record in self.activities.watch(current_principal().user_id, request.activity_id):
            yield watch_message(record)

    async def GetAthleteProfile(
        self, request: pb.GetAthleteProfileRequest, context: ServicerContext
    ) -> pb.GetAthleteProfileResponse:
        profile = await self.profiles.get(current_principal().user_id)
        return pb.GetAthleteProfileResponse(profile=profile_message(profile))

    async def UpdateAthleteProfile(
        self, request: pb.UpdateAthleteProfileRequest, context: ServicerContext
    ) -> pb.UpdateAthleteProfileResponse:
        stored = await self.profiles.update(
            current_principal().user_id, profile_from_message(request.profile)
        )
        return pb.UpdateAthleteProfileResponse(profile=profile_message(stored))

    async def GetFitnessTrend(
        self, request: pb.GetFitnessTrendRequest, context: ServicerContext
    ) -> pb.GetFitnessTrendResponse:
        days = await self.trends.trend(current_principal().user_id, request.start_date, request.end_date)
        return pb.GetFitnessTrendResponse(days=[fitness_day_message(d) for d in days])
