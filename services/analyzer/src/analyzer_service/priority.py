"""Live uploads before replays: background work (an operator's replay or re-drive) starts a job only while no
live event is being processed, so a replay of thousands of activities never makes an athlete wait for it.

Live work never waits here. A background job already running when a live event arrives finishes (jobs are
short), sharing the machine with it for that while.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class PriorityGate:
    def __init__(self) -> None:
        self._live = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def live_jobs(self) -> int:
        return self._live

    @contextlib.asynccontextmanager
    async def live(self) -> AsyncIterator[None]:
        """Around a live job: never waits, holds background work back while it runs."""
        self._live += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._live -= 1
            if self._live == 0:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """Before a background job: waits until no live job is running."""
        while self._live:
            await self._idle.wait()
        yield
