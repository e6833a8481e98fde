"""The SQL behind the operators' RPCs: replay lookups, dead letters, pipeline statistics and storage use.

Of the upload service's data it reads only the views that service publishes for it (upload.activities_v1,
upload.outbox_backlog_v1, upload.storage_operations_v1: docs/architecture.md, "What the analyzer reads from the
upload service"); it writes only analyzer.dead_letters (the resolution of a re-drive).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from fitcoach_runtime.db import from_row

from .domain import DeadLetter


@dataclass(frozen=True)
class ReplayState:
    """What a replay needs to know about one activity to decide whether it matches."""

    upload_status: str  # pending | uploaded | duplicate
    status: str | None  # analyzing | analyzed | failed (None: the analyzer never saw it)
    analyzer_version: str | None
    advice_status: str | None = None
    failure_kind: str | None = None  # bad_file | internal_error | gave_up, when failed


@dataclass(frozen=True)
class StoredDeadLetter:
    id: int
    letter: DeadLetter
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str


@dataclass(frozen=True)
class Delays:
    count: int
    avg_s: float
    p50_s: float
    p95_s: float
    max_s: float


# Effective status of an activity: the analyzer's state once it has one, else the upload's.
_EFFECTIVE_STATUS = "coalesce(a.status, u.status)"
# What is in the store: every upload whose object was verified (pending ones may have no object yet).
_STORED = "u.status <> 'pending'"


def _letter(row: asyncpg.Record) -> StoredDeadLetter:
    letter = from_row(
        DeadLetter,
        row,
        activity_id=str(row["activity_id"] or ""),
        user_id=str(row["user_id"] or ""),
        payload=bytes(row["payload"]),
    )
    return StoredDeadLetter(
        id=row["id"],
        letter=letter,
        created_at=row["created_at"],
        resolved_at=row["resolved_at"],
        resolution=row["resolution"] or "",
    )


class OpsRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # --- replay -----------------------------------------------------------------------------------------

    async def replay_states(self, activity_ids: Sequence[str]) -> dict[str, ReplayState]:
        """The state of each activity that still exists (a deleted one is simply absent)."""
        rows = await self.pool.fetch(
            """
            SELECT u.id::text AS id, u.status AS upload_status, a.status, a.analyzer_version, a.advice_status,
                a.failure_kind
            FROM upload.activities_v1 u LEFT JOIN analyzer.activities a ON a.activity_id = u.id
            WHERE u.id = ANY($1::uuid[])
            """,
            [uuid.UUID(a) for a in activity_ids],
        )
        return {
            r["id"]: ReplayState(
                r["upload_status"], r["status"], r["analyzer_version"], r["advice_status"], r["failure_kind"]
            )
            for r in rows
        }

    # --- dead letters -------------------------------------------------------------------------------------

    async def dead_letters(
        self, limit: int, before_id: int | None, include_resolved: bool
    ) -> list[StoredDeadLetter]:
        """Newest first, keyset-paged on id."""
        rows = await self.pool.fetch(
            """
            SELECT * FROM analyzer.dead_letters
            WHERE ($2::bigint IS NULL OR id < $2) AND ($3 OR resolved_at IS NULL)
            ORDER BY id DESC LIMIT $1
            """,
            limit,
            before_id,
            include_resolved,
        )
        return [_letter(r) for r in rows]

    async def unresolved_dead_letter_count(self) -> int:
        return int(
            await self.pool.fetchval("SELECT count(*) FROM analyzer.dead_letters WHERE resolved_at IS NULL")
        )

    async def dead_letters_to_redrive(self, ids: Sequence[int] | None) -> list[StoredDeadLetter]:
        """These dead letters (None: every unresolved one), oldest first."""
        rows = await self.pool.fetch(
            "SELECT * FROM analyzer.dead_letters WHERE CASE WHEN $1::bigint[] IS NULL THEN resolved_at IS NULL "
            "ELSE id = ANY($1::bigint[]) END ORDER BY id",
            list(ids) if ids is not None else None,
        )
        return [_letter(r) for r in rows]

    async def resolve_dead_letter(self, letter_id: int, resolution: str) -> None:
        await self.pool.execute(
            "UPDATE analyzer.dead_letters SET resolved_at = now(), resolution = $2 WHERE id = $1",
            letter_id,
            resolution,
        )

    # --- statistics ---------------------------------------------------------------------------------------

    async def status_counts(self) -> list[tuple[str, int, float]]:
        """(status, count, average size in KB) over every activity."""
        rows = await self.pool.fetch(
            f"""
            SELECT {_EFFECTIVE_STATUS} AS status, count(*) AS n, coalesce(avg(u.size_bytes), 0) / 1024.0 AS kb
            FROM upload.activities_v1 u LEFT JOIN analyzer.activities a ON a.activity_id = u.id
            GROUP BY 1 ORDER BY 2 DESC, 1
            """
        )
        return [(r["status"], r["n"], float(r["kb"])) for r in rows]

    async def stage_delays(self, since: dt.datetime) -> dict[str, Delays]:
        """Delays of the first analysis of activities uploaded since `since`, by stage, in seconds."""
        stages = {
            "analysis_delay": "a.first_analyzed_at - u.uploaded_at",
            "queue_delay": "a.first_analysis_started_at - u.uploaded_at",
            "analysis_time": "a.first_analyzed_at - a.first_analysis_started_at",
            "advice_time": "a.first_advised_at - a.first_analyzed_at",
        }
        columns = ",\n".join(
            f"""count({expr}) AS {name}_n, avg(extract(epoch FROM {expr})) AS {name}_avg,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM {expr})) AS {name}_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM {expr})) AS {name}_p95,
                max(extract(epoch FROM {expr})) AS {name}_max"""
            for name, expr in stages.items()
        )
        row = await self.pool.fetchrow(
            f"""
            SELECT {columns}
            FROM upload.activities_v1 u JOIN analyzer.activities a ON a.activity_id = u.id
            WHERE u.uploaded_at >= $1
            """,
            since,
        )
        assert row is not None

        def delays(name: str) -> Delays:
            values = [float(row[f"{name}_{k}"] or 0) for k in ("avg", "p50", "p95", "max")]
            return Delays(int(row[f"{name}_n"]), *values)

        return {name: delays(name) for name in stages}

    async def analysis_delay_histogram(self, since: dt.datetime, bounds: Sequence[float]) -> list[int]:
        """Counts of first-analysis delays below each bound (and at or above the previous one), then of those
        at or above the last bound: len(bounds) + 1 counts."""
        rows = await self.pool.fetch(
            """
            SELECT width_bucket(extract(epoch FROM a.first_analyzed_at - u.uploaded_at)::float8, $2::float8[])
                       AS bucket,
                   count(*) AS n
            FROM upload.activities_v1 u JOIN analyzer.activities a ON a.activity_id = u.id
            WHERE u.uploaded_at >= $1 AND a.first_analyzed_at IS NOT NULL
            GROUP BY 1
            """,
            since,
            list(bounds),
        )
        counts = [0] * (len(bounds) + 1)
        for row in rows:  # width_bucket: 0 below the first bound, len(bounds) at or above the last
            counts[row["bucket"]] += row["n"]
        return counts

    async def top_failures(self, since: dt.datetime, limit: int) -> list[tuple[str, int]]:
        rows = await self.pool.fetch(
            """
            SELECT failure_reason AS reason, count(*) AS n FROM analyzer.activities
            WHERE status = 'failed' AND failed_at >= $1
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2
            """,
            since,
            limit,
        )
        return [(r["reason"] or "", r["n"]) for r in rows]

    async def outbox_backlog(self) -> tuple[int, float]:
        """Unpublished outbox events and the age of the oldest, seconds."""
        row = await self.pool.fetchrow(
            "SELECT events AS n, coalesce(extract(epoch FROM now() - oldest_created_at), 0)::float8 AS age "
            "FROM upload.outbox_backlog_v1"
        )
        assert row is not None
        return row["n"], row["age"]

    async def stored(self) -> tuple[int, int]:
        """Objects in the store and their bytes."""
        row = await self.pool.fetchrow(
            f"SELECT count(*) AS n, coalesce(sum(u.size_bytes), 0)::bigint AS bytes FROM upload.activities_v1 u "
            f"WHERE {_STORED}"
        )
        assert row is not None
        return row["n"], row["bytes"]

    # --- storage cost --------------------------------------------------------------------------------------

    async def storage_operations(self, month: dt.date) -> dict[str, int]:
        """S3 requests counted by both services in `month`, by operation name."""
        rows = await self.pool.fetch(
            """
            SELECT operation, sum(count)::bigint AS n FROM (
                SELECT operation, count FROM upload.storage_operations_v1 WHERE month = $1
                UNION ALL
                SELECT operation, count FROM analyzer.storage_operations WHERE month = $1
            ) o GROUP BY 1
            """,
            month,
        )
        return {r["operation"]: r["n"] for r in rows}

    async def byte_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Σ bytes × seconds stored within [start, end) of the objects stored now (from their upload time)."""
        value = await self.pool.fetchval(
            f"""
            SELECT coalesce(sum(u.size_bytes::float8 * greatest(0, extract(epoch FROM
                       least($2, now()) - greatest($1, coalesce(u.uploaded_at, u.created_at))))), 0)
            FROM upload.activities_v1 u WHERE {_STORED}
            """,
            start,
            end,
        )
        return float(value)

    async def per_user(self, start: dt.datetime, end: dt.datetime) -> tuple[float, float]:
        """(bytes stored per user who stored anything, uploads in [start, end) per user who uploaded then)."""
        row = await self.pool.fetchrow(
            f"""
            SELECT
                (SELECT coalesce(sum(size_bytes)::float8 / nullif(count(DISTINCT user_id), 0), 0)
                 FROM upload.activities_v1 u WHERE {_STORED}) AS bytes_per_user,
                (SELECT coalesce(count(*)::float8 / nullif(count(DISTINCT user_id), 0), 0)
                 FROM upload.activities_v1 u WHERE {_STORED} AND u.uploaded_at >= $1 AND u.uploaded_at < $2)
                    AS uploads_per_user
            """,
            start,
            end,
        )
        assert row is not None
        return row["bytes_per_user"], row["uploads_per_user"]
