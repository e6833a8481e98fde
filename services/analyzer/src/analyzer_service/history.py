"""The upload stream's history and the live consumer's queue, as JetStream reports them.

A replay reads events with a short-lived consumer of its own (acks off, in memory, deleted afterwards, and
removed by the server if we vanish): the live durable consumer `analyzer` and its position are never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

FETCH_BATCH = 256
FETCH_TIMEOUT_S = 2.0
# The server deletes a reader that stopped fetching for this long (its replay was cancelled or crashed).
READER_INACTIVE_S = 60.0


@dataclass(frozen=True)
class StoredEvent:
    sequence: int
    time: dt.datetime
    subject: str
    data: bytes


@dataclass(frozen=True)
class QueueState:
    consumer: str
    pending: int
    ack_pending: int
    redelivered: int
    stream_messages: int
    stream_last_sequence: int


class EventHistory:
    def __init__(self, js: JetStreamContext, stream: str, durable: str) -> None:
        self.js = js
        self.stream = stream
        self.durable = durable

    async def read(
        self,
        *,
        start_sequence: int = 0,
        start_time: dt.datetime | None = None,
        end_sequence: int = 0,
        end_time: dt.datetime | None = None,
    ) -> AsyncIterator[StoredEvent]:
        """UploadCompleted events from a sequence (or a time; default the first) to an end sequence or time
        (default: the last event now), in stream order."""
        last = (await self.js.stream_info(self.stream)).state.last_seq
        end = min(end_sequence, last) if end_sequence else last
        if last == 0 or start_sequence > end:
            return
        if start_sequence:
            where = {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": start_sequence}
        elif start_time is not None:
            where = {"deliver_policy": DeliverPolicy.BY_START_TIME, "opt_start_time": start_time}
        else:
            where = {"deliver_policy": DeliverPolicy.ALL}
        name = f"replay-{uuid.uuid4().hex[:12]}"
        config = ConsumerConfig(
            name=name,
            ack_policy=AckPolicy.NONE,
            filter_subject=SUBJECT_UPLOAD_COMPLETED,
            inactive_threshold=READER_INACTIVE_S,
            mem_storage=True,
            **where,  # type: ignore[arg-type]  # the keys are ConsumerConfig fields
        )
        await self.js.add_consumer(self.stream, config)
        sub = await self.js.pull_subscribe_bind(consumer=name, stream=self.stream)
        try:
            while True:
                try:
                    messages = await sub.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_S)
                except (NatsTimeoutError, TimeoutError):
                    return  # nothing more (the rest aged out, or the filter matches nothing further)
                for msg in messages:
                    meta = msg.metadata
                    sequence = meta.sequence.stream if meta.sequence else 0
                    if sequence > end or (end_time is not None and meta.timestamp > end_time):
                        return
                    yield StoredEvent(sequence, meta.timestamp, msg.subject, msg.data)
                    if sequence >= end or meta.num_pending == 0:
                        return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await self.js.delete_consumer(self.stream, name)

    async def queue(self) -> QueueState:
        """The live consumer's backlog and the stream's size (zeros before the consumer exists)."""
        stream = await self.js.stream_info(self.stream)
        try:
            info = await self.js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            return QueueState(self.durable, 0, 0, 0, stream.state.messages, stream.state.last_seq)
        return QueueState(
            consumer=self.durable,
            pending=info.num_pending or 0,
            ack_pending=info.num_ack_pending or 0,
            redelivered=info.num_redelivered or 0,
            stream_messages=stream.state.messages,
            stream_last_sequence=stream.state.last_seq,
        )
