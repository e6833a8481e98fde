"""Sweeps abandoned pending uploads: URL long expired, never completed → object (if any) and row deleted.
It also finishes object deletions of deleted activities that a crash or a store outage left queued.

A pending activity whose URL is still valid is never swept (CreateUpload may just have re-issued it for a
resumed upload). Rows are locked with SKIP LOCKED while their object is deleted, so a late CompleteUpload
waits and then answers NOT_FOUND instead of queuing an activity without bytes; replicas share the work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from upload_service.relay import backoff_delay
from upload_service.repository import ActivityRepository
from upload_service.service import Activity, Deletion
from upload_service.store import S3ObjectStore

logger = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PendingSweeper:
    def __init__(
        self,
        activities: ActivityRepository,
        objects: S3ObjectStore,
        *,
        abandon_after_s: float,
        interval_s: float,
        batch_size: int = 100,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.activities = activities
        self.objects = objects
        self.abandon_after = dt.timedelta(seconds=abandon_after_s)
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.clock = clock

    async def sweep_once(self) -> int:
        """Delete one batch of abandoned uploads; returns how many."""
        now = self.clock()
        claim = self.activities.claim_abandoned(now - self.abandon_after, now, self.batch_size)
        async with claim as batch:
            await self._delete_objects(batch.rows)
            await batch.retire([a.id for a in batch.rows])
        if batch.rows:
            logger.info("swept abandoned pending uploads", extra={"fields": {"count": len(batch.rows)}})
        return len(batch.rows)

    async def finish_deletions_once(self) -> int:
        """Delete the objects of one batch of queued deletions; returns how many."""
        async with self.activities.claim_deletions(self.batch_size) as batch:
            await self._delete_objects(batch.rows)
            await batch.retire([d.activity_id for d in batch.rows])
        if batch.rows:
            logger.info("finished queued deletions", extra={"fields": {"count": len(batch.rows)}})
        return len(batch.rows)

    async def _delete_objects(self, rows: Sequence[Activity | Deletion]) -> None:
        for row in rows:
            await self.objects.delete(row.object_key)

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                while await self.finish_deletions_once() == self.batch_size:
                    pass
                while await self.sweep_once() == self.batch_size:
                    pass
                failures = 0
                await asyncio.sleep(self.interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                logger.warning("pending sweep failed; retrying", extra={"fields": {"error": repr(exc)}})
                await asyncio.sleep(min(self.interval_s, 1 + backoff_delay(failures)))
