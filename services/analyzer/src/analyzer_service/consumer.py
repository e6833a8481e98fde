"""The durable JetStream pull consumer `analyzer`: UploadCompleted events → AnalysisPipeline.

Delivery is at least once; PostgreSQL decides what is already done. A message is acked only after the
pipeline committed, terminated when the file is bad or our analysis code failed on it (retrying cannot help),
nak'ed with a delay that grows with each delivery on infrastructure errors, and nak'ed until the lease ends
while another delivery of the same activity is at work. After `max_deliver` deliveries an infrastructure failure becomes
a dead-letter row (with the stream sequence, for replay) and the message is terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED, ensure_stream
from fitcoach_runtime.logging import log_context
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter, Histogram

from .domain import ActivityBusy, DeadLetter, UploadJob
from .pipeline import FAILED_OUTCOMES
from .settings import ConsumerSettings

log = logging.getLogger(__name__)

EVENTS = Counter(
    "fitcoach_analyzer_events_total", "UploadCompleted deliveries by outcome", ["outcome"]
)  # analyzed | failed | internal_error | skipped | busy | retried | dead_lettered
EVENT_SECONDS = Histogram(
    "fitcoach_analyzer_event_seconds",
    "Time to handle one delivery",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)

Process = Callable[[UploadJob, bool], Awaitable[str]]
DeadLetterWriter = Callable[[DeadLetter, bool], Awaitable[None]]


class MalformedEvent(Exception):
    """The payload is not an UploadCompleted event the analyzer can act on."""


def parse_event(data: bytes) -> UploadJob:
    try:
        event = events_pb2.UploadCompleted.FromString(data)
    except DecodeError as exc:
        raise MalformedEvent(f"payload is not an UploadCompleted: {exc}") from None
    missing = [
        name
        for name in ("activity_id", "user_id", "bucket", "object_key", "sha256")
        if not getattr(event, name)
    ]
    if missing:
        raise MalformedEvent(f"UploadCompleted without {', '.join(missing)}")
    return UploadJob(
        activity_id=event.activity_id,
        user_id=event.user_id,
        bucket=event.bucket,
        object_key=event.object_key,
        size_bytes=event.size_bytes,
        sha256=event.sha256,
        uploaded_at=event.uploaded_at.ToDatetime(dt.UTC) if event.HasField("uploaded_at") else None,
    )


def nak_delay(settings: ConsumerSettings, num_delivered: int) -> float:
    """Exponential backoff from the delivery count (a plain nak() would ignore any backoff list)."""
    return min(settings.nak_base_delay_s * 2.0 ** max(num_delivered - 1, 0), settings.nak_max_delay_s)


def consumer_config(settings: ConsumerSettings) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=settings.durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=settings.ack_wait_s,
        # Unlimited at the server: the analyzer counts deliveries itself and writes a dead letter at
        # settings.max_deliver, so a delivery that cannot write it (PostgreSQL down) is retried, not dropped.
        max_deliver=-1,
        filter_subject=SUBJECT_UPLOAD_COMPLETED,
        max_ack_pending=max(64, settings.in_flight * 8),
    )


class UploadConsumer:
    """Fetches batches from the durable consumer and runs up to `in_flight` events at once."""

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        settings: ConsumerSettings,
        process: Process,
        dead_letter: DeadLetterWriter,
        *,
        stream_replicas: int = 1,
    ) -> None:
        self.js = js
        self.stream = stream
        self.stream_replicas = stream_replicas
        self.settings = settings
        self.process = process
        self.dead_letter = dead_letter
        # Read once: sized from the cores, it reads the CPU affinity and the cgroup quota each time it is asked.
        self.in_flight = settings.in_flight
        self._slots = asyncio.Semaphore(self.in_flight)
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._sub: Any = None

    async def start(self) -> None:
        """Ensure the stream, create (or update) the durable consumer explicitly, then start fetching."""
        await ensure_stream(self.js, self.stream, self.stream_replicas)
        # pull_subscribe() would silently keep an existing durable's old settings: create it explicitly.
        await self.js.add_consumer(self.stream, consumer_config(self.settings))
        self._loop_task = asyncio.create_task(self._run(), name="analyzer-consumer")

    async def stop(self, grace: float) -> None:
        """Stop fetching; let in-flight events finish within `grace`; the rest are redelivered later."""
        self._stopping.set()
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self._sub is not None:
            # An abandoned pull request would otherwise hold the connection's drain until it times out.
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        if self._inflight:
            _done, pending = await asyncio.wait(self._inflight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _take_free_slots(self) -> int:
        """Wait for one free slot, then take every other free one."""
        await self._slots.acquire()
        free = 1
        while free < self.in_flight and not self._slots.locked():
            await self._slots.acquire()
            free += 1
        return free

    async def _subscribe(self) -> Any:
        return await self.js.pull_subscribe_bind(durable=self.settings.durable, stream=self.stream)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._sub is None:
                    self._sub = await self._subscribe()
                sub = self._sub
                # Only fetch what we can start now: fetched messages' ack_wait is already ticking.
                free = await self._take_free_slots()
                messages = []
                try:
                    messages = await sub.fetch(free, timeout=self.settings.fetch_timeout_s)
                except (NatsTimeoutError, TimeoutError):
                    pass  # nothing to do right now
                finally:
                    for _ in range(free - len(messages)):
                        self._slots.release()
                for msg in messages:
                    task = asyncio.create_task(self._handle(msg))
                    self._inflight.add(task)
                    task.add_done_callback(self._finished)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Pull subscriptions can stop after a NATS restart: drop it and subscribe again.
                log.exception("fetching events failed; resubscribing")
                if self._sub is not None:
                    with contextlib.suppress(Exception):
                        await self._sub.unsubscribe()
                self._sub = None
                await asyncio.sleep(1.0)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots.release()

    async def _keep_alive(self, msg: Msg) -> None:
        """Extend the ack deadline while work takes long (decoding, advisor), so it is not redelivered."""
        interval = max(self.settings.ack_wait_s / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await msg.in_progress()

    async def _handle(self, msg: Msg) -> None:
        meta = msg.metadata
        delivered = meta.num_delivered or 1
        seq = meta.sequence.stream if meta.sequence else 0
        try:
            job = parse_event(msg.data)
        except MalformedEvent as exc:
            with log_context(stream_seq=seq):
                await self._give_up(msg, None, seq, delivered, str(exc))
            return
        with log_context(
            activity_id=job.activity_id, user_id=job.user_id, stream_seq=seq, delivery=delivered
        ):
            keep_alive = asyncio.create_task(self._keep_alive(msg))
            started = time.perf_counter()
            try:
                outcome = await self.process(job, delivered >= self.settings.max_deliver)
            except asyncio.CancelledError:
                raise  # shutting down: no ack, the event is redelivered
            except ActivityBusy as exc:
                # Another delivery is at work on it: not a failure (never a dead letter). Come back when its
                # lease ends, or sooner as the delays of this event's deliveries allow.
                delay = min(max(exc.retry_in_s, 0.1), nak_delay(self.settings, delivered))
                EVENTS.labels("busy").inc()
                await self._settle(msg.nak(delay=delay), "nak")
                return
            except Exception as exc:
                await self._retry_or_give_up(msg, job, seq, delivered, exc)
                return
            finally:
                keep_alive.cancel()
                EVENT_SECONDS.observe(time.perf_counter() - started)
            EVENTS.labels(outcome).inc()
            if outcome in FAILED_OUTCOMES:
                await self._settle(msg.term(), "term")
            else:
                await self._settle(msg.ack(), "ack")

    async def _retry_or_give_up(
        self, msg: Msg, job: UploadJob, seq: int, delivered: int, exc: Exception
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if delivered < self.settings.max_deliver:
            delay = nak_delay(self.settings, delivered)
            log.warning(
                "processing failed; retrying later", extra={"fields": {"error": error, "delay_s": delay}}
            )
            EVENTS.labels("retried").inc()
            await self._settle(msg.nak(delay=delay), "nak")
            return
        await self._give_up(msg, job, seq, delivered, error)

    async def _give_up(self, msg: Msg, job: UploadJob | None, seq: int, delivered: int, error: str) -> None:
        letter = DeadLetter(
            stream=self.stream,
            stream_seq=seq,
            subject=msg.subject,
            activity_id=job.activity_id if job else "",
            user_id=job.user_id if job else "",
            num_delivered=delivered,
            error=error,
            payload=msg.data,
        )
        try:
            await self.dead_letter(letter, job is not None)
        except Exception:
            # Not even the dead letter could be written: keep the event and try again later.
            delay = self.settings.nak_max_delay_s
            log.exception("cannot write dead letter; retrying later", extra={"fields": {"delay_s": delay}})
            await self._settle(msg.nak(delay=delay), "nak")
            return
        log.error("gave up on event", extra={"fields": {"error": error}})
        EVENTS.labels("dead_lettered").inc()
        await self._settle(msg.term(), "term")

    @staticmethod
    async def _settle(action: Awaitable[None], name: str) -> None:
        # A lost ack only means a redelivery, which Postgres dedupes: log it, never crash the worker.
        try:
            await action
        except Exception as exc:
            log.warning("could not %s message: %s", name, exc)
