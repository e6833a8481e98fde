"""The use case: pick a coach, get advice, record how it was made. No gRPC here."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
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


class AnswerMemo:
    """The advice written lately, by question (input hash + whether only the offline coach may answer).

    The analyzer asks again when it lost an answer before storing it (its database failed, it crashed, a
    second delivery of the event raced the first); the same inputs then get the same advice again instead of
    a second Gemini call. Identical questions asked at once share one generation, which runs on even if the
    caller that started it goes away. Memory only, bounded in size and age: the advisor keeps nothing durable.
    """

    def __init__(self, size: int = 4096, ttl_s: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self._answers: OrderedDict[tuple[str, bool], tuple[float, Advice]] = OrderedDict()
        self._writing: dict[tuple[str, bool], asyncio.Task[Advice]] = {}

    def _recall(self, key: tuple[str, bool]) -> Advice | None:
        entry = self._answers.get(key)
        if entry is None or self.clock() - entry[0] > self.ttl_s:
            self._answers.pop(key, None)
            return None
        self._answers.move_to_end(key)
        return entry[1]

    def _remember(self, key: tuple[str, bool], task: asyncio.Task[Advice]) -> None:
        self._writing.pop(key, None)
        if task.cancelled() or task.exception() is not None or self.size <= 0:
            return
        self._answers[key] = (self.clock(), task.result())
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)

    async def answer(
        self, key: tuple[str, bool], write: Callable[[], Awaitable[Advice]]
    ) -> tuple[Advice, bool]:
        """(advice, reused): the remembered answer to `key`, or the one `write()` produces now."""
        remembered = self._recall(key)
        if remembered is not None:
            return remembered, True
        task = self._writing.get(key)
        reused = task is not None
        if task is None:
            task = asyncio.ensure_future(write())
            self._writing[key] = task
            task.add_done_callback(lambda done: self._remember(key, done))
        return await asyncio.shield(task), reused


class Advisor:
    """Gemini when configured, the offline coach otherwise or when Gemini fails: a caller always gets advice."""

    def __init__(
        self,
        online: OnlineCoach | None,
        *,
        clock: Callable[[], dt.datetime] = _now,
        memo: AnswerMemo | None = None,
    ) -> None:
        self.online = online
        self.clock = clock
        self.memo = memo or AnswerMemo()

    async def answer(
        self, request: AdviceRequest, *, time_left_s: float | None = None
    ) -> tuple[Advice, bool]:
        """(advice, reused): what generate() says, unless these inputs were answered lately (see AnswerMemo)."""
        key = (input_hash(request), request.offline_only)
        return await self.memo.answer(key, lambda: self.generate(request, time_left_s=time_left_s))

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
