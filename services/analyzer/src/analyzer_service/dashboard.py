"""The operators' figures: pipeline statistics (the dashboard) and the storage cost estimate.

The original design's two monitoring queries are here — upload status counts with average size, and the
average analysis delay (analyzed − uploaded) over the last 7 days — grown into percentiles, per-stage delays,
the queue, the outbox, dead letters and failure reasons; and its R2 cost model, fed with what FitCoach
actually stored and the storage requests its services counted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.storage_usage import month_start, r2_class

from .history import EventHistory, QueueState
from .ops_repository import Delays, OpsRepository
from .pipeline import DELAY_BUCKETS

DEFAULT_WINDOW = dt.timedelta(days=7)
MAX_WINDOW = dt.timedelta(days=366)
TOP_FAILURES = 10
GB = 1e9  # R2 bills decimal gigabytes
MB = 1e6


@dataclass(frozen=True)
class PipelineStats:
    window: dt.timedelta
    generated_at: dt.datetime
    statuses: list[tuple[str, int, float]]
    delays: dict[str, Delays]  # analysis_delay, queue_delay, analysis_time, advice_time
    delay_histogram: list[tuple[float, int]]  # (upper bound in seconds, count); the last bound is inf
    queue: QueueState
    outbox_backlog: int
    outbox_oldest_age_s: float
    dead_letters: int
    top_failures: list[tuple[str, int]]
    stored_objects: int
    stored_bytes: int
    analyzer_version: str


@dataclass(frozen=True)
class Prices:
    """R2's prices (the original design's figures are the defaults, see settings)."""

    storage_gb_month: float
    class_a_per_million: float
    class_b_per_million: float


@dataclass(frozen=True)
class Assumptions:
    """Per active user per month, for a projection. The original design's table: 1,000 users → storage
    $0.75 (50 GB), uploads $0.14 (30,000 PUTs), downloads $0.04 (100,000 GETs), about $1."""

    uploads_per_user: float = 30.0
    downloads_per_user: float = 100.0
    stored_mb_per_user: float = 50.0


@dataclass(frozen=True)
class Usage:
    stored_objects: int
    stored_bytes: int
    gb_months_to_date: float
    gb_months_projected: float
    operations: dict[str, int]
    class_a: int
    class_b: int
    free: int
    storage_cost: float
    class_a_cost: float
    class_b_cost: float

    @property
    def total_cost(self) -> float:
        return self.storage_cost + self.class_a_cost + self.class_b_cost


@dataclass(frozen=True)
class Projection:
    users: int
    assumptions: Assumptions
    storage_cost: float
    upload_cost: float
    download_cost: float
    measured_stored_mb_per_user: float
    measured_uploads_per_user: float

    @property
    def total_cost(self) -> float:
        return self.storage_cost + self.upload_cost + self.download_cost


@dataclass(frozen=True)
class StorageCost:
    month: str
    prices: Prices
    usage: Usage
    projection: Projection


def project(users: int, assumptions: Assumptions, prices: Prices) -> tuple[float, float, float]:
    """(storage, uploads, downloads) dollars per month for `users` users: one Class A PUT per upload, one
    Class B GET per download (egress is free on R2)."""
    storage = users * assumptions.stored_mb_per_user * MB / GB * prices.storage_gb_month
    uploads = users * assumptions.uploads_per_user * prices.class_a_per_million / 1e6
    downloads = users * assumptions.downloads_per_user * prices.class_b_per_million / 1e6
    return storage, uploads, downloads


def parse_month(text: str, now: dt.datetime) -> dt.date:
    if not text:
        return month_start(now)
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise InvalidArgument(f"month must be YYYY-MM, got {text!r}") from None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Dashboard:
    def __init__(
        self,
        ops: OpsRepository,
        history: EventHistory,
        *,
        analyzer_version: str,
        prices: Prices,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.ops = ops
        self.history = history
        self.version = analyzer_version
        self.prices = prices
        self.clock = clock

    async def stats(self, window: dt.timedelta | None = None) -> PipelineStats:
        window = window or DEFAULT_WINDOW
        if not dt.timedelta(0) < window <= MAX_WINDOW:
            raise InvalidArgument(f"window must be more than 0 and at most {MAX_WINDOW.days} days")
        now = self.clock()
        since = now - window
        outbox, oldest = await self.ops.outbox_backlog()
        objects, size = await self.ops.stored()
        counts = await self.ops.analysis_delay_histogram(since, DELAY_BUCKETS)
        return PipelineStats(
            window=window,
            generated_at=now,
            statuses=await self.ops.status_counts(),
            delays=await self.ops.stage_delays(since),
            delay_histogram=list(zip([*DELAY_BUCKETS, float("inf")], counts, strict=True)),
            queue=await self.history.queue(),
            outbox_backlog=outbox,
            outbox_oldest_age_s=oldest,
            dead_letters=await self.ops.unresolved_dead_letter_count(),
            top_failures=await self.ops.top_failures(since, TOP_FAILURES),
            stored_objects=objects,
            stored_bytes=size,
            analyzer_version=self.version,
        )

    async def cost(
        self, month_text: str = "", users: int = 0, assumptions: Assumptions | None = None
    ) -> StorageCost:
        if users < 0 or users > 10**9:
            raise InvalidArgument("users must be between 0 and 1,000,000,000")
        users = users or 1000
        assumptions = assumptions or Assumptions()
        if (
            min(assumptions.uploads_per_user, assumptions.downloads_per_user, assumptions.stored_mb_per_user)
            < 0
        ):
            raise InvalidArgument("per-user assumptions cannot be negative")
        now = self.clock()
        month = parse_month(month_text, now)
        start = dt.datetime.combine(month, dt.time(), dt.UTC)
        days = calendar.monthrange(month.year, month.month)[1]
        end = start + dt.timedelta(days=days)
        month_seconds = (end - start).total_seconds()
        stored_objects, stored_bytes = await self.ops.stored()
        to_date = await self.ops.byte_seconds(start, end) / GB / month_seconds
        # What the objects stored now add by the month's end, if they stay (none for a past month).
        remaining = max(0.0, (end - max(now, start)).total_seconds())
        projected = to_date + stored_bytes / GB * remaining / month_seconds
        operations = await self.ops.storage_operations(month)
        by_class = {"A": 0, "B": 0, "free": 0}
        for operation, count in operations.items():
            by_class[r2_class(operation)] += count
        p = self.prices
        usage = Usage(
            stored_objects=stored_objects,
            stored_bytes=stored_bytes,
            gb_months_to_date=to_date,
            gb_months_projected=projected,
            operations=operations,
            class_a=by_class["A"],
            class_b=by_class["B"],
            free=by_class["free"],
            storage_cost=projected * p.storage_gb_month,
            class_a_cost=by_class["A"] * p.class_a_per_million / 1e6,
            class_b_cost=by_class["B"] * p.class_b_per_million / 1e6,
        )
        storage, uploads, downloads = project(users, assumptions, p)
        bytes_per_user, uploads_per_user = await self.ops.per_user(start, end)
        projection = Projection(
            users=users,
            assumptions=assumptions,
            storage_cost=storage,
            upload_cost=uploads,
            download_cost=downloads,
            measured_stored_mb_per_user=bytes_per_user / MB,
            measured_uploads_per_user=uploads_per_user,
        )
        return StorageCost(month.strftime("%Y-%m"), p, usage, projection)
