"""Replay and re-drive: an operator reprocesses upload events through the analyzer's normal path.

A replay reads a range of the stream's history (EventHistory, a consumer of its own), keeps the events that
match the operator's filters — one per activity, activities that still exist — and hands each to
`AnalysisPipeline.reprocess`, which waits for live work to be idle (PriorityGate), so live uploads keep their
latency. PostgreSQL decides what is already done, as for live events: an activity this analyzer version
handled is skipped unless forced; one a newer version handled is never touched; advice is asked for only
when its inputs changed (the request hash).

A re-drive does the same for dead letters (their payloads are kept, so the stream need not hold them still).
Infrastructure errors are retried a few times, then recorded as a dead letter, as the live consumer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.logging import log_context
from fitcoach_runtime.progress import Progress, progress_while
from prometheus_client import Counter

from .consumer import MalformedEvent, parse_event
from .domain import ActivityBusy, DeadLetter, UploadJob
from .history import EventHistory
from .ops_repository import OpsRepository, ReplayState, StoredDeadLetter
from .pipeline import FAILED_OUTCOMES, AnalysisPipeline, Processed

log = logging.getLogger(__name__)

REPLAYED = Counter(
    "fitcoach_replay_activities_total", "Activities handled by replays and re-drives", ["outcome"]
)
SCAN_BATCH = 256
RETRY_DELAYS_S = (1.0, 3.0)  # then a dead letter
# A live delivery holding an activity's lease is waited for this often, this long at most each time.
MAX_BUSY_WAITS = 20
MAX_BUSY_WAIT_S = 5.0
MAX_FILTER_IDS = 10_000

DeadLetterWriter = Callable[[DeadLetter, bool], Awaitable[None]]


def version_key(version: str) -> tuple[int, ...]:
    """ "0.10.2" → (0, 10, 2): analyzer versions compare by number, not by text."""
    return tuple(int(m.group()) if (m := re.match(r"\d+", part)) else 0 for part in version.split("."))


@dataclass(frozen=True)
class ReplayRequest:
    start_sequence: int = 0
    start_time: dt.datetime | None = None
    end_sequence: int = 0
    end_time: dt.datetime | None = None
    user_ids: frozenset[str] = frozenset()
    activity_ids: frozenset[str] = frozenset()
    failed_only: bool = False
    older_version_only: bool = False
    force: bool = False
    dry_run: bool = False

    def __post_init__(self) -> None:
        for name, ids in (("user_ids", self.user_ids), ("activity_ids", self.activity_ids)):
            if len(ids) > MAX_FILTER_IDS:
                raise InvalidArgument(f"{name}: at most {MAX_FILTER_IDS} ids")
            for value in ids:
                try:
                    uuid.UUID(value)
                except ValueError:
                    raise InvalidArgument(f"{name}: {value!r} is not an id") from None
        if self.end_sequence and self.start_sequence > self.end_sequence:
            raise InvalidArgument("start_sequence is after end_sequence")
        if self.start_time and self.end_time and self.start_time > self.end_time:
            raise InvalidArgument("start_time is after end_time")


@dataclass
class Failure:
    activity_id: str
    sequence: int
    reason: str


@dataclass
class ReplayProgress(Progress[Failure]):
    """Counts of one replay or re-drive (field names are fitcoach.ops.v1.ReplayProgress's)."""

    replay_id: str
    dry_run: bool = False
    phase: str = "scanning"  # scanning | running | done
    scanned: int = 0
    matched: int = 0
    done: int = 0
    skipped: int = 0
    advice_requested: int = 0
    first_sequence: int = 0
    last_sequence: int = 0

    @property
    def handled(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def planned(self) -> int:
        return self.matched

    def saw(self, sequence: int) -> None:
        self.scanned += 1
        self.first_sequence = self.first_sequence or sequence
        self.last_sequence = max(self.last_sequence, sequence)

    def fail(self, activity_id: str, sequence: int, reason: str) -> None:
        REPLAYED.labels("failed").inc()
        self.count_failure(Failure(activity_id, sequence, reason))


@dataclass(frozen=True)
class _Work:
    sequence: int
    job: UploadJob
    force: bool
    payload: bytes
    subject: str
    letter_id: int | None = None  # a re-drive's dead letter


class Reprocessing:
    """Replays and re-drives; `concurrency` jobs at once at most, each behind live work."""

    def __init__(
        self,
        pipeline: AnalysisPipeline,
        history: EventHistory,
        ops: OpsRepository,
        dead_letter: DeadLetterWriter,
        *,
        stream: str,
        concurrency: int = 1,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
        progress_every_s: float = 0.5,
    ) -> None:
        self.pipeline = pipeline
        self.history = history
        self.ops = ops
        self.dead_letter = dead_letter
        self.stream = stream
        self.concurrency = concurrency
        self.retry_delays_s = retry_delays_s
        self.progress_every_s = progress_every_s

    @property
    def version(self) -> str:
        return self.pipeline.version

    # --- what matches --------------------------------------------------------------------------------------

    def _decide(self, request: ReplayRequest, state: ReplayState) -> tuple[str, bool] | None:
        """None when the activity does not match; else what a replay does with it ("run", "skip": this
        version already settled it, "newer": a newer analyzer's result, never overwritten) and whether the
        run is forced."""
        if request.failed_only and state.status != "failed":
            return None
        current = state.analyzer_version
        older = bool(current) and version_key(current or "") < version_key(self.version)
        if request.older_version_only and not (older and state.status in ("analyzed", "failed")):
            return None
        if current and version_key(current) > version_key(self.version):
            return "newer", False
        # A failed activity the operator selected is analyzed again, whichever version failed it.
        force = request.force or (request.failed_only and state.status == "failed")
        # What this version settled for good: a bad file, or metrics with advice. An internal error or a
        # give-up is analyzed again by any delivery (the claim decides), so a replay redoes it unforced.
        settled = current == self.version and (
            (state.status == "failed" and state.failure_kind == "bad_file")
            or (state.status == "analyzed" and state.advice_status != "pending")
        )
        return ("skip" if settled and not force else "run"), force

    async def _scan(self, request: ReplayRequest, progress: ReplayProgress) -> list[tuple[_Work, str]]:
        """The matching events, one per activity, each with what the replay will do with it (`_decide`)."""
        seen: set[str] = set()
        matched: list[tuple[_Work, str]] = []
        batch: list[tuple[int, str, bytes, UploadJob]] = []

        async def flush() -> None:
            states = await self.ops.replay_states([job.activity_id for _, _, _, job in batch])
            for sequence, subject, payload, job in batch:
                state = states.get(job.activity_id)
                if state is None or state.upload_status == "pending":
                    continue  # deleted since, or never completed: nothing to analyze
                decision = self._decide(request, state)
                if decision is not None:
                    plan, force = decision
                    matched.append((_Work(sequence, job, force, payload, subject), plan))
                    progress.matched += 1
            batch.clear()

        async for event in self.history.read(
            start_sequence=request.start_sequence,
            start_time=request.start_time,
            end_sequence=request.end_sequence,
            end_time=request.end_time,
        ):
            progress.saw(event.sequence)
            try:
                job = parse_event(event.data)
            except MalformedEvent:
                continue  # the live consumer dead-lettered it already; nothing a replay can do
            if (request.user_ids and job.user_id not in request.user_ids) or (
                request.activity_ids and job.activity_id not in request.activity_ids
            ):
                continue
            if job.activity_id in seen:
                continue  # the same activity announced again (a republished event): once is enough
            seen.add(job.activity_id)
            batch.append((event.sequence, event.subject, event.data, job))
            if len(batch) >= SCAN_BATCH:
                await flush()
        if batch:
            await flush()
        return matched

    # --- running ------------------------------------------------------------------------------------------

    async def replay(self, request: ReplayRequest) -> AsyncIterator[ReplayProgress]:
        """Progress every `progress_every_s`, then the final report. Closing the iterator stops the replay
        (what was reprocessed stays; running it again skips it)."""
        progress = ReplayProgress(str(uuid.uuid4()), dry_run=request.dry_run)

        async def work() -> None:
            matched = await self._scan(request, progress)
            progress.skipped = sum(
                1 for _, plan in matched if plan == "newer" or (request.dry_run and plan == "skip")
            )
            if not request.dry_run:
                await self._run([item for item, plan in matched if plan != "newer"], progress)

        with log_context(replay_id=progress.replay_id):
            log.info("replay started", extra={"fields": {"request": _describe(request)}})
            async for report in self._follow(work(), progress):
                yield report
            log.info("replay ended", extra={"fields": _summary(progress)})

    async def redrive(self, ids: list[int] | None) -> AsyncIterator[ReplayProgress]:
        """Re-drive these dead letters (None: every unresolved one); each success is marked resolved."""
        progress = ReplayProgress(str(uuid.uuid4()))

        async def work() -> None:
            letters = await self.ops.dead_letters_to_redrive(ids)
            if ids is not None and len(letters) != len(set(ids)):
                missing = sorted(set(ids) - {letter.id for letter in letters})
                raise InvalidArgument(f"no dead letter with id {', '.join(map(str, missing[:10]))}")
            items = await self._redrive_items(letters, progress)
            await self._run(items, progress)

        with log_context(replay_id=progress.replay_id):
            log.info("re-drive started", extra={"fields": {"ids": ids if ids is not None else "all"}})
            async for report in self._follow(work(), progress):
                yield report
            log.info("re-drive ended", extra={"fields": _summary(progress)})

    async def _redrive_items(self, letters: list[StoredDeadLetter], progress: ReplayProgress) -> list[_Work]:
        items: list[_Work] = []
        jobs: dict[int, UploadJob] = {}
        for stored in letters:
            letter = stored.letter
            progress.saw(letter.stream_seq)
            try:
                jobs[stored.id] = parse_event(letter.payload)
            except MalformedEvent as exc:
                progress.matched += 1
                progress.fail(letter.activity_id, letter.stream_seq, f"cannot be re-driven: {exc}")
        states = await self.ops.replay_states([job.activity_id for job in jobs.values()])
        for stored in letters:
            job = jobs.get(stored.id)
            if job is None:
                continue
            progress.matched += 1
            state = states.get(job.activity_id)
            if state is None:
                await self.ops.resolve_dead_letter(stored.id, "activity deleted")
                progress.skipped += 1
                continue
            force = state.status == "failed"  # the give-up failed it: analyze it again
            items.append(_Work(stored.letter.stream_seq, job, force, stored.letter.payload,
                               stored.letter.subject, stored.id))  # fmt: skip
        return items

    async def _follow(self, work: Awaitable[None], progress: ReplayProgress) -> AsyncIterator[ReplayProgress]:
        async def then_done() -> None:
            await work
            progress.phase = "done"

        async for report in progress_while(then_done(), progress, self.progress_every_s):
            yield report

    async def _run(self, items: list[_Work], progress: ReplayProgress) -> None:
        progress.phase = "running"
        queue: asyncio.Queue[_Work] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                await self._one(queue.get_nowait(), progress)

        await asyncio.gather(*(worker() for _ in range(max(1, min(self.concurrency, len(items))))))

    async def _one(self, item: _Work, progress: ReplayProgress) -> None:
        job = item.job
        with log_context(activity_id=job.activity_id, user_id=job.user_id, stream_seq=item.sequence):
            processed = await self._with_retries(item)
        if processed is None:
            progress.fail(job.activity_id, item.sequence, "gave up after retries; recorded as a dead letter")
            return
        REPLAYED.labels(processed.outcome).inc()
        if processed.outcome in FAILED_OUTCOMES:
            progress.fail(job.activity_id, item.sequence, processed.reason)
        elif processed.outcome == "skipped":
            progress.skipped += 1
        else:
            progress.done += 1
            progress.advice_requested += processed.advice_requested
        if item.letter_id is not None:  # settled, one way or the other: retrying cannot change it
            await self.ops.resolve_dead_letter(item.letter_id, processed.outcome)

    async def _with_retries(self, item: _Work) -> Processed | None:
        """The pipeline's answer; None when infrastructure kept failing (then a dead letter is written).

        A live delivery at work on the same activity (ActivityBusy) is waited for, a bounded number of times:
        it is no failure, and whatever it settles the replay then sees."""
        attempts = len(self.retry_delays_s) + 1
        attempt, waits = 0, 0
        while True:
            try:
                return await self.pipeline.reprocess(item.job, force=item.force)
            except asyncio.CancelledError:
                raise
            except ActivityBusy as busy:
                waits += 1
                if waits <= MAX_BUSY_WAITS:
                    await asyncio.sleep(min(max(busy.retry_in_s, 0.1), MAX_BUSY_WAIT_S))
                    continue
                failure: Exception = busy
            except Exception as exc:  # infrastructure: the store, the database, the advisor
                failure = exc
            attempt += 1
            error = f"{type(failure).__name__}: {failure}"
            if attempt < attempts:
                log.warning("reprocessing failed; retrying", extra={"fields": {"error": error}})
                await asyncio.sleep(self.retry_delays_s[attempt - 1])
                continue
            log.error("reprocessing gave up", extra={"fields": {"error": error}})
            letter = DeadLetter(
                stream=self.stream,
                stream_seq=item.sequence,
                subject=item.subject,
                activity_id=item.job.activity_id,
                user_id=item.job.user_id,
                num_delivered=attempts,
                error=error,
                payload=item.payload,
            )
            with contextlib.suppress(Exception):  # the database may be what is failing
                await self.dead_letter(letter, True)
            return None


def _describe(request: ReplayRequest) -> dict[str, object]:
    return {
        "start_sequence": request.start_sequence,
        "start_time": request.start_time.isoformat() if request.start_time else None,
        "end_sequence": request.end_sequence,
        "end_time": request.end_time.isoformat() if request.end_time else None,
        "users": len(request.user_ids),
        "activities": len(request.activity_ids),
        "failed_only": request.failed_only,
        "older_version_only": request.older_version_only,
        "force": request.force,
        "dry_run": request.dry_run,
    }


def _summary(progress: ReplayProgress) -> dict[str, object]:
    return {
        "scanned": progress.scanned,
        "matched": progress.matched,
        "done": progress.done,
        "skipped": progress.skipped,
        "failed": progress.failed,
        "advice_requested": progress.advice_requested,
        "elapsed_s": round(progress.elapsed_s, 3),
        "final": progress.final,
    }
