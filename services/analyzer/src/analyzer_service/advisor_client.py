"""The analyzer's side of AdvisorService.GenerateAdvice: domain request in, stored advice out."""

from __future__ import annotations

import asyncio
import logging

import grpc
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb2
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as advisor_grpc
from fitcoach_runtime.grpc_client import bearer, job_metadata
from google.protobuf import json_format

from .domain import AdviceRecord, AdviceRequest, AdvisorUnavailable

log = logging.getLogger(__name__)

# Codes worth another attempt: the advisor (or the network to it) was briefly unavailable.
_RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def to_proto(request: AdviceRequest) -> advisor_pb2.GenerateAdviceRequest:
    return json_format.ParseDict(
        {
            "language": request.language,
            "workout": request.workout,
            "recentDays": request.recent_days,
            "athlete": request.athlete,
            **({"history": request.history} if request.history else {}),
        },
        advisor_pb2.GenerateAdviceRequest(),
    )


class GrpcAdvisor:
    """Calls the advisor with a deadline per attempt and a short backoff between attempts.

    `token` is the pre-shared service token the advisor requires (the call comes from an event, so there is
    no user JWT to forward). A wrong token answers UNAUTHENTICATED, which is not retried.
    """

    def __init__(self, channel: grpc.aio.Channel, *, token: str, timeout_s: float, attempts: int) -> None:
        self.stub = advisor_grpc.AdvisorServiceStub(channel)
        self._metadata = bearer(token)
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)

    async def generate(self, request: AdviceRequest, request_hash: str) -> AdviceRecord:
        """Advice for `request`; AdvisorUnavailable after the last failed attempt."""
        message = to_proto(request)
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self.stub.GenerateAdvice(
                    message, timeout=self.timeout_s, metadata=self._metadata + job_metadata()
                )
            except grpc.aio.AioRpcError as exc:
                log.warning(
                    "advisor call failed",
                    extra={"fields": {"attempt": attempt, "code": exc.code().name, "detail": exc.details()}},
                )
                if exc.code() not in _RETRYABLE or attempt == self.attempts:
                    raise AdvisorUnavailable(f"advisor: {exc.code().name}: {exc.details()}") from exc
                await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 5.0))
            else:
                return _record(response.advice, request_hash)
        raise AdvisorUnavailable("no attempt made")


def _record(advice: advisor_pb2.Advice, request_hash: str) -> AdviceRecord:
    return AdviceRecord(
        request_hash=request_hash,
        input_hash=advice.input_hash,
        engine=advisor_pb2.Engine.Name(advice.engine),
        model=advice.model,
        prompt_version=advice.prompt_version,
        language=advice.language,
        advice=json_format.MessageToDict(advice),
    )
