"""Counting the object-storage requests a service makes, as R2 bills them, for the cost estimate.

R2 bills per request: Class A (writes and listings: PutObject, ListObjectsV2, multipart ...), Class B (reads:
GetObject, HeadObject ...), and some for free (DeleteObject, AbortMultipartUpload). Every HTTP attempt is
billed, retries included, so `StorageOperations.attach` counts at botocore's `before-send` event, which fires
once per attempt. Requests a client makes with a presigned URL never pass through us: the service that
verifies them records them (`record`).

Counts are kept in memory and added to `<schema>.storage_operations` (each service's own table, created by
its migrations) by `flush`, which the service runs every few seconds (ServiceResources.run_every) and once
more at shutdown; a crash loses at most the last interval's counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

import asyncpg
from prometheus_client import Counter

# https://developers.cloudflare.com/r2/pricing/ — operations R2 bills as Class B, or not at all; every other
# operation is Class A (an unknown one too: overestimating is the safer mistake in a cost estimate).
CLASS_B_OPERATIONS = frozenset(
    {"GetObject", "HeadObject", "HeadBucket", "GetBucketLocation", "GetBucketCors", "GetBucketEncryption",
     "GetBucketLifecycleConfiguration", "UsageSummary"}
)  # fmt: skip
FREE_OPERATIONS = frozenset({"DeleteObject", "DeleteObjects", "DeleteBucket", "AbortMultipartUpload"})

OPERATIONS = Counter(
    "fitcoach_storage_operations_total",
    "Object-storage requests by operation and R2 class",
    ["operation", "r2_class"],
)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def r2_class(operation: str) -> str:
    """ "A", "B" or "free": how R2 bills one request of `operation`."""
    if operation in FREE_OPERATIONS:
        return "free"
    return "B" if operation in CLASS_B_OPERATIONS else "A"


def month_start(moment: dt.datetime) -> dt.date:
    """The first day of `moment`'s month in UTC: the key counts are kept under."""
    return moment.astimezone(dt.UTC).date().replace(day=1)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StorageOperations:
    """Counts one service's storage requests and keeps them in its `<schema>.storage_operations` table."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        if not _IDENTIFIER.fullmatch(schema):
            raise ValueError(f"not a schema name: {schema!r}")
        self.pool = pool
        self.table = f"{schema}.storage_operations"
        self.clock = clock
        self._pending: Tally[tuple[dt.date, str]] = Tally()

    def attach(self, client: Any) -> None:
        """Count every request `client` (an aioboto3 S3 client) sends from now on."""
        client.meta.events.register("before-send.s3", self._on_send)

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        # event_name is "before-send.s3.<Operation>"; returning None lets the request go out.
        self.record(event_name.rsplit(".", 1)[-1])

    def record(self, operation: str, count: int = 1) -> None:
        """Count `count` requests of `operation` now (for requests made elsewhere, e.g. a presigned PUT)."""
        self._pending[(month_start(self.clock()), operation)] += count
        OPERATIONS.labels(operation, r2_class(operation)).inc(count)

    async def flush(self) -> None:
        """Add the counts gathered since the last flush to the table; kept for the next one on failure."""
        pending, self._pending = self._pending, Tally()
        if not pending:
            return
        try:
            await self.pool.executemany(
                f"INSERT INTO {self.table} (month, operation, count) VALUES ($1, $2, $3) "
                "ON CONFLICT (month, operation) DO UPDATE SET count = "
                f"{self.table}.count + excluded.count",
                [(month, operation, count) for (month, operation), count in pending.items()],
            )
        except BaseException:
            self._pending.update(pending)
            raise
