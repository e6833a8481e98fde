"""A delivery's lease on an activity: one delivery at a time analyzes it or asks for its advice.

JetStream delivers at least once, so the same event can be at work twice at the same moment (a redelivery
after an ack timeout, a replay beside live traffic). `Repository.claim` hands the activity to one delivery
under a lease (analyzer.activities.claim_token / lease_until); the others are told to come back later. The
holder renews the lease while it works and ends it when it settles the activity; if it dies, the lease runs
out and the next delivery takes over. Every state write of the holder is fenced by its token, and before
calling the advisor it checks the lease is still surely its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING

from .domain import ActivityBusy

if TYPE_CHECKING:
    from .repository import Repository

log = logging.getLogger(__name__)

_RELEASE_TIMEOUT_S = 2.0


class Lease:
    """Held for the `async with` block; renewed every third of its length; released if the block fails."""

    def __init__(
        self, repo: Repository, activity_id: str, token: str, length_s: float, *, claimed_at: float
    ) -> None:
        """claimed_at: time.monotonic() before the claim was sent (the lease surely lasts until then + length)."""
        self.repo = repo
        self.activity_id = activity_id
        self.token = token
        self.length_s = length_s
        self._surely_held_until = claimed_at + length_s
        self._lost = False
        self._keeper: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Lease:
        self._keeper = asyncio.create_task(self._keep(), name="activity-lease")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        if exc is not None and not self._lost:
            # Failed or cancelled before settling: let the next delivery take the activity at once rather than
            # when the lease runs out (best effort: if the database is gone too, the lease runs out).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.repo.release_lease(self.activity_id, self.token), _RELEASE_TIMEOUT_S
                )

    def check(self) -> None:
        """ActivityBusy unless the lease is surely still this delivery's (e.g. before calling the advisor)."""
        if self._lost or time.monotonic() >= self._surely_held_until:
            raise ActivityBusy(0.0)

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.length_s / 3)
            asked = time.monotonic()
            try:
                renewed = await self.repo.renew_lease(self.activity_id, self.token, self.length_s)
            except Exception as exc:
                log.warning("cannot renew the activity's lease: %s", exc)
                continue
            if not renewed:
                log.warning("another delivery took the activity over")
                self._lost = True
                return
            self._surely_held_until = asked + self.length_s
