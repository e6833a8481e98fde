"""The outbox relay: publishes committed UploadCompleted events to JetStream, at least once.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of upload replicas run a relay side by side
without publishing a row twice at the same time. Each publish carries `Nats-Msg-Id` = event id and is marked
published only after JetStream acked it; a relay that dies between the ack and the mark republishes the row
later, and JetStream's duplicate window drops the copy (past the window, the analyzer's own idempotency does).
The relay wakes on a PostgreSQL notification from the completing transaction and also polls, so a missed
notification or a lost listener connection only delays publishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from nats.js.client import JetStreamContext

from upload_service.repository import OutboxRepository
from upload_service.service import OutboxEvent

logger = logging.getLogger(__name__)


def backoff_delay(failures: int, *, base_s: float = 0.2, cap_s: float = 30.0) -> float:
    """Exponential backoff with full jitter (so replicas don't retry in lockstep)."""
    return random.uniform(0, min(cap_s, base_s * 2 ** min(failures, 20)))


class PublishFailed(Exception):
    """Some outbox events were not acked by JetStream; they stay unpublished and are retried."""


class OutboxRelay:
    def __init__(
        self,
        outbox: OutboxRepository,
        js: JetStreamContext,
        *,
        stream: str,
        batch_size: int = 100,
        poll_interval_s: float = 2.0,
        publish_timeout_s: float = 5.0,
    ) -> None:
        self.outbox = outbox
        self.js = js
        self.stream = stream
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.publish_timeout_s = publish_timeout_s
        self._wake = asyncio.Event()

    async def publish_event(self, event: OutboxEvent) -> None:
        """Publish one event and wait for JetStream's ack (raises when it is not stored)."""
        await self.js.publish(
            event.subject,
            event.payload,
            timeout=self.publish_timeout_s,
            stream=self.stream,
            headers={"Nats-Msg-Id": event.id},
        )

    async def publish_batch(self) -> tuple[int, int]:
        """Publish up to batch_size pending events; returns (published, failed)."""
        async with self.outbox.claim(self.batch_size) as claimed:
            if not claimed.rows:
                return 0, 0
            results = await asyncio.gather(
                *(self.publish_event(event) for event in claimed.rows), return_exceptions=True
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            published = [e.id for e, r in zip(claimed.rows, results, strict=True) if r is None]
            await claimed.retire(published)
        if errors:
            logger.warning(
                "outbox publish failed; will retry",
                extra={
                    "fields": {"failed": len(errors), "published": len(published), "error": repr(errors[0])}
                },
            )
        return len(published), len(errors)

    async def drain(self) -> int:
        """Publish until the outbox is empty; returns how many were published.

        Raises PublishFailed when some events could not be published (they stay in the outbox)."""
        total = 0
        while True:
            published, failed = await self.publish_batch()
            total += published
            if failed:
                raise PublishFailed(f"{failed} outbox events could not be published")
            if published < self.batch_size:
                return total

    async def run(self) -> None:
        """Relay until cancelled; NATS and database failures are retried with growing delays."""
        failures = 0
        while True:
            try:
                async with self.outbox.wake_ups(self._wake.set) as listening:
                    while listening():
                        self._wake.clear()
                        try:
                            await self.drain()
                            failures = 0
                        except PublishFailed:
                            # NATS is down or refusing: back off, and don't let notifications cut it short.
                            failures += 1
                            await asyncio.sleep(backoff_delay(failures))
                            continue
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database errors, lost listener connection
                failures += 1
                delay = backoff_delay(failures)
                logger.warning(
                    "outbox relay error; retrying",
                    extra={
                        "fields": {"error": repr(exc), "failures": failures, "retry_in_s": round(delay, 2)}
                    },
                )
                await asyncio.sleep(delay)
