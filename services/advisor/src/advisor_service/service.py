"""The use case: pick a coach, get advice, record how it was made. No gRPC here."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Protocol

from prometheus_client import Counter

from .domain import Advice, AdviceRequest, AdviceText, Engine, input_hash
from .gemini import GeminiError
from .offline import OFFLINE_RULES_VERSION, offline_advice
from .prompt import PROMPT_VERSION

log = logging.getLogger(__name__)

# How often each coach answers and why Gemini was skipped: a rising fallback rate is the first sign of a
# Gemini outage, quota exhaustion or a bad key. Reasons are a small fixed set, so the labels stay bounded.
ADVICE_WRITTEN = Counter(
    "fitcoach_advice_total", "Advice written, by engine and fallback reason", ["engine", "reason"]
)

# Time kept back from the caller's deadline for the offline coach and the reply to travel back.
RESERVE_S = 0.25


class OnlineCoach(Protocol):
    """What the advisor needs from Gemini (GeminiCoach implements it)."""

    @property
    def model(self) -> str: ...

    async def write(self, request: AdviceRequest, *, budget_s: float | None = None) -> AdviceText: ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Advisor:
    """Gemini when configured, the offline coach otherwise or when Gemini fails: a caller always gets advice."""

    def __init__(self, online: OnlineCoach | None, *, clock: Callable[[], dt.datetime] = _now) -> None:
        self.online = online
        self.clock = clock

    async def generate(self, request: AdviceRequest, *, time_left_s: float | None = None) -> Advice:
        """Advice for `request`; `time_left_s` is the caller's remaining deadline, if it sent one."""
        digest = input_hash(request)
        reason = self._why_offline(request)
        if not reason:
            assert self.online is not None
            budget = None if time_left_s is None else time_left_s - RESERVE_S
            started = time.perf_counter()
            try:
                text = await self.online.write(request, budget_s=budget)
            except GeminiError as exc:
                reason = str(exc)
            except Exception as exc:  # a bug in the online path must not cost the athlete their advice
                log.exception("Gemini coach failed unexpectedly")
                reason = f"Gemini call failed ({type(exc).__name__})"
            else:
                log.info(
                    "advice written by Gemini",
                    extra={
                        "fields": {"input_hash": digest, "seconds": round(time.perf_counter() - started, 3)}
                    },
                )
                ADVICE_WRITTEN.labels(Engine.GEMINI.value, "").inc()
                return Advice(
                    text=text,
                    language=request.language,
                    engine=Engine.GEMINI,
                    model=self.online.model,
                    prompt_version=PROMPT_VERSION,
                    input_hash=digest,
                    created_at=self.clock(),
                )
            log.warning("falling back to the offline coach", extra={"fields": {"reason": reason}})
        ADVICE_WRITTEN.labels(Engine.OFFLINE.value, reason).inc()
        return Advice(
            text=offline_advice(request),
            language=request.language,
            engine=Engine.OFFLINE,
            model="",
            prompt_version=OFFLINE_RULES_VERSION,
            input_hash=digest,
            created_at=self.clock(),
            fallback_reason=reason,
        )

    def _why_offline(self, request: AdviceRequest) -> str:
        if request.offline_only:
            return "offline requested"
        if self.online is None:
            return "no API key"
        return ""
