"""Purging what the analyzer holds of activities their owners deleted.

A delete crosses two owners: the upload service deletes the upload row (and the object) in DeleteActivity;
the analyzer, which owns `analyzer.*`, deletes its own rows here. Every analyzer read joins the upload row,
so a deleted activity disappears from GetActivity, ListActivities, WatchActivity and the fitness trend the
moment the upload row is gone; this loop only reclaims the space. It is idempotent and keyed on the upload
row's absence, so a crash at any point is finished by the next pass (see docs/architecture.md, "Deleting").
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .repository import Repository

log = logging.getLogger(__name__)


class DeletedActivityPurger:
    def __init__(self, repo: Repository, *, interval_s: float) -> None:
        self.repo = repo
        self.interval_s = interval_s

    async def purge_once(self) -> int:
        """Purge everything deleted so far (in batches); returns how many activities."""
        total = 0
        while batch := await self.repo.purge_deleted():
            total += len(batch)
        if total:
            log.info("purged deleted activities", extra={"fields": {"count": total}})
        return total

    async def run(self) -> None:
        while True:
            try:
                await self.purge_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: try again next round
                log.warning("purging deleted activities failed", extra={"fields": {"error": repr(exc)}})
            await asyncio.sleep(self.interval_s)
