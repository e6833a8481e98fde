"""AdvisorService over gRPC: proto messages in and out, the use case in `service`."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from fitcoach.advisor.v1 import advisor_service_pb2 as pb
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as pb_grpc
from fitcoach_analysis.load import FitnessDay, TrainingHistory
from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.grpc_client import ACTIVITY_ID_METADATA
from fitcoach_runtime.grpc_server import ServicerContext
from fitcoach_runtime.logging import log_context
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .domain import Advice, AdviceRequest, Athlete, Engine, Workout, parse_day
from .service import Advisor

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AdvisorService"].full_name

_ENGINES = {Engine.GEMINI: pb.ENGINE_GEMINI, Engine.OFFLINE: pb.ENGINE_OFFLINE}


_NUMBER_TYPES = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_INT32)


def _optional_numbers(message_type: type[Message]) -> tuple[str, ...]:
    """The `optional` number fields of a message type, read from the schema rather than listed again."""
    return tuple(f.name for f in message_type.DESCRIPTOR.fields if f.type in _NUMBER_TYPES and f.has_presence)


_WORKOUT_NUMBERS = _optional_numbers(pb.WorkoutNumbers)
_ATHLETE_NUMBERS = _optional_numbers(pb.AthleteNumbers)


def _present(message: Message, names: tuple[str, ...]) -> dict[str, Any]:
    """The proto3 `optional` numbers that were set; unset ones stay None in the domain."""
    return {name: getattr(message, name) for name in names if message.HasField(name)}


def request_from_proto(message: pb.GenerateAdviceRequest) -> AdviceRequest:
    if not message.HasField("workout"):
        raise InvalidArgument("workout is required")
    w = message.workout
    workout = Workout(
        sport=w.sport,
        sub_sport=w.sub_sport,
        start_time=w.start_time.ToDatetime(tzinfo=dt.UTC) if w.HasField("start_time") else None,
        hr_zone_seconds=tuple(w.hr_zone_seconds),
        **_present(w, _WORKOUT_NUMBERS),
    )
    days = tuple(
        FitnessDay(date=parse_day(d.date), load=d.load, ctl=d.ctl, atl=d.atl, tsb=d.tsb)
        for d in message.recent_days
    )
    return AdviceRequest(
        workout=workout,
        recent_days=days,
        athlete=Athlete(**_present(message.athlete, _ATHLETE_NUMBERS)),
        language=message.language,
        offline_only=message.offline_only,
        history=_history(message.history) if message.HasField("history") else None,
    )


def _history(message: pb.TrainingHistory) -> TrainingHistory:
    return TrainingHistory(
        days_since_first_activity=message.days_since_first_activity,
        active_days=message.active_days,
        weeks_with_data=message.weeks_with_data,
        days_since_previous_activity=(
            message.days_since_previous_activity if message.HasField("days_since_previous_activity") else None
        ),
    )


def advice_to_proto(advice: Advice) -> pb.Advice:
    message = pb.Advice(
        summary=advice.text.summary,
        went_well=advice.text.went_well,
        to_improve=advice.text.to_improve,
        next_session=advice.text.next_session,
        language=advice.language,
        engine=_ENGINES[advice.engine],
        model=advice.model,
        prompt_version=advice.prompt_version,
        input_hash=advice.input_hash,
        fallback_reason=advice.fallback_reason,
    )
    message.created_at.FromDatetime(advice.created_at)
    return message


def caller_activity_id(context: ServicerContext) -> str | None:
    """The activity the caller says the call is for (a UUID, for the logs only); None when absent or odd."""
    for key, value in context.invocation_metadata() or ():
        if key == ACTIVITY_ID_METADATA and isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                return None
    return None


class AdvisorServicer(pb_grpc.AdvisorServiceServicer):
    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor

    async def GenerateAdvice(
        self, request: pb.GenerateAdviceRequest, context: ServicerContext
    ) -> pb.GenerateAdviceResponse:
        # Honour the caller's deadline: Gemini gets what is left of it, so the offline coach still answers
        # in time instead of the call ending in DEADLINE_EXCEEDED.
        activity_id = caller_activity_id(context)
        with log_context(**({"activity_id": activity_id} if activity_id else {})):
            advice, reused = await self.advisor.answer(
                request_from_proto(request), time_left_s=context.time_remaining()
            )
            # The request log: one line per answer, `reused` when no coach was asked (the chaos soak counts
            # both per activity).
            log.info(
                "advice answered",
                extra={
                    "fields": {
                        "engine": advice.engine.value,
                        "input_hash": advice.input_hash,
                        "reused": reused,
                    }
                },
            )
        return pb.GenerateAdviceResponse(advice=advice_to_proto(advice))
