"""Status-change notifications (PostgreSQL LISTEN) fanned out to the WatchActivity streams of a process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from fitcoach_runtime.db import ACTIVITY_CHANNEL

log = logging.getLogger(__name__)


class ActivityNotifier:
    """One LISTEN connection per process, fanned out to every WatchActivity stream in it.

    A connection per watcher would exhaust the pool; a lost connection is reopened, and watchers poll slowly
    as a safety net for notifications missed meanwhile.
    """

    def __init__(self, dsn: str, *, connect: Callable[..., Any] = asyncpg.connect) -> None:
        self.dsn = dsn
        self._connect = connect
        self._queues: dict[str, set[asyncio.Queue[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="activity-notifier")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for queue in self._queues.get(payload, ()):
            if queue.empty():
                queue.put_nowait(None)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            conn = None
            try:
                conn = await self._connect(self.dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(ACTIVITY_CHANNEL, self._on_notify)
                self._ready.set()
                delay = 0.5
                await lost.wait()
                log.warning("notification connection lost; reconnecting")
            except asyncio.CancelledError:
                if conn is not None and not conn.is_closed():
                    # A failing close must not replace the cancellation (the task would never stop).
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
                raise
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("cannot listen for activity changes: %s", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    @contextlib.asynccontextmanager
    async def subscribe(self, activity_id: str) -> AsyncIterator[asyncio.Queue[None]]:
        """A queue that receives a token whenever `activity_id` changes (coalesced: one pending token at most)."""
        queue: asyncio.Queue[None] = asyncio.Queue()
        self._queues.setdefault(activity_id, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._queues.get(activity_id, set())
            subscribers.discard(queue)
            if not subscribers:
                self._queues.pop(activity_id, None)
