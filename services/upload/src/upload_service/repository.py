"""SQL for upload.activities and upload.outbox (asyncpg)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from fitcoach_runtime.db import Connection, from_row

from upload_service.service import PENDING, UPLOADED, Activity, Deletion, OutboxEvent

# New outbox rows wake the relay (payload: empty; sent by a trigger, migrations/002_notify_triggers.sql); it
# also polls, so a lost notification only delays.
OUTBOX_CHANNEL = "fitcoach_upload_outbox"

_ACTIVITY_COLUMNS = """
    id::text, user_id::text, file_name, size_bytes, sha256, object_key, status, created_at, uploaded_at,
    url_expires_at, duplicate_of::text
"""


def _activity(row: asyncpg.Record) -> Activity:
    return from_row(Activity, row)


class ActivityRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def insert_pending(self, activity: Activity) -> bool:
        inserted = await self.pool.fetchval(
            """
            INSERT INTO upload.activities
                (id, user_id, file_name, size_bytes, sha256, object_key, status, created_at, url_expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (user_id, sha256) DO NOTHING
            RETURNING true
            """,
            activity.id,
            activity.user_id,
            activity.file_name,
            activity.size_bytes,
            activity.sha256,
            activity.object_key,
            PENDING,
            activity.created_at,
            activity.url_expires_at,
        )
        return bool(inserted)

    async def find_by_sha256(self, user_id: str, sha256: str) -> Activity | None:
        row = await self.pool.fetchrow(
            f"SELECT {_ACTIVITY_COLUMNS} FROM upload.activities WHERE user_id = $1 AND sha256 = $2",
            user_id,
            sha256,
        )
        return _activity(row) if row else None

    async def get_for_user(self, activity_id: str, user_id: str) -> Activity | None:
        row = await self.pool.fetchrow(
            f"SELECT {_ACTIVITY_COLUMNS} FROM upload.activities WHERE id = $1 AND user_id = $2",
            activity_id,
            user_id,
        )
        return _activity(row) if row else None

    async def set_url_expiry(self, activity_id: str, expires_at: dt.datetime) -> None:
        await self.pool.execute(
            "UPDATE upload.activities SET url_expires_at = greatest(url_expires_at, $2) WHERE id = $1",
            activity_id,
            expires_at,
        )

    async def mark_uploaded(
        self, activity_id: str, user_id: str, uploaded_at: dt.datetime, event: OutboxEvent
    ) -> str | None:
        # The state change and its event in one statement, so in one transaction (the triggers of
        # 002_notify_triggers.sql announce both). Concurrent completes serialise on the row: the second waits,
        # then finds the row no longer pending and queues nothing.
        completed = await self.pool.fetchval(
            """
            WITH completed AS (
                UPDATE upload.activities SET status = $3, uploaded_at = $4
                WHERE id = $1 AND user_id = $2 AND status = $5
                RETURNING id
            )
            INSERT INTO upload.outbox (id, subject, payload) SELECT $6, $7, $8 FROM completed
            RETURNING true
            """,
            activity_id,
            user_id,
            UPLOADED,
            uploaded_at,
            PENDING,
            event.id,
            event.subject,
            event.payload,
        )
        if completed:
            return UPLOADED
        # Not pending (any more): a new statement, so it sees what a concurrent complete committed.
        status: str | None = await self.pool.fetchval(
            "SELECT status FROM upload.activities WHERE id = $1 AND user_id = $2", activity_id, user_id
        )
        return status

    async def delete_for_user(self, activity_id: str, user_id: str) -> Deletion | None:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "DELETE FROM upload.activities WHERE id = $1 AND user_id = $2 RETURNING user_id::text, object_key",
                activity_id,
                user_id,
            )
            if row is None:
                return None
            await conn.execute(
                "INSERT INTO upload.deletions (activity_id, user_id, object_key) VALUES ($1, $2, $3) "
                "ON CONFLICT (activity_id) DO NOTHING",
                activity_id,
                row["user_id"],
                row["object_key"],
            )
            # The trigger announces the deletion: watchers of the activity re-read it and end with NOT_FOUND.
            return Deletion(activity_id, row["user_id"], row["object_key"])

    async def finish_deletion(self, activity_id: str) -> None:
        await self.pool.execute("DELETE FROM upload.deletions WHERE activity_id = $1", activity_id)

    def claim_deletions(self, limit: int) -> contextlib.AbstractAsyncContextManager[LockedRows[Deletion]]:
        """Lock queued deletions whose object may still exist; `retire` removes them from the queue."""
        return _lock_rows(
            self.pool,
            "SELECT activity_id::text, user_id::text, object_key FROM upload.deletions "
            "ORDER BY requested_at LIMIT $1 FOR UPDATE SKIP LOCKED",
            (limit,),
            lambda row: from_row(Deletion, row),
            retire="DELETE FROM upload.deletions WHERE activity_id = ANY($1::uuid[])",
        )

    def claim_abandoned(
        self, created_before: dt.datetime, now: dt.datetime, limit: int
    ) -> contextlib.AbstractAsyncContextManager[LockedRows[Activity]]:
        """Lock pending activities created before `created_before` whose URL has expired; `retire` deletes
        them."""
        return _lock_rows(
            self.pool,
            f"""
            SELECT {_ACTIVITY_COLUMNS} FROM upload.activities
            WHERE status = $1 AND created_at < $2 AND url_expires_at < $3
            ORDER BY created_at
            LIMIT $4
            FOR UPDATE SKIP LOCKED
            """,
            (PENDING, created_before, now, limit),
            _activity,
            retire="DELETE FROM upload.activities WHERE id = ANY($1::uuid[])",
        )


R = TypeVar("R")


@dataclass
class LockedRows(Generic[R]):
    """Rows locked by this replica until the surrounding transaction ends (SKIP LOCKED: other replicas take
    the next ones), and the statement that retires them once handled (deleted, marked published)."""

    rows: list[R]
    _conn: Connection
    _retire: str  # $1: the ids (uuid[]) of the rows to retire

    async def retire(self, ids: Sequence[str]) -> None:
        if ids:
            await self._conn.execute(self._retire, list(ids))


@contextlib.asynccontextmanager
async def _lock_rows(
    pool: asyncpg.Pool,
    query: str,
    args: Sequence[Any],
    to_row: Callable[[asyncpg.Record], R],
    *,
    retire: str,
) -> AsyncIterator[LockedRows[R]]:
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(query, *args)
        yield LockedRows([to_row(r) for r in rows], conn, retire)


class OutboxRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    def claim(self, limit: int) -> contextlib.AbstractAsyncContextManager[LockedRows[OutboxEvent]]:
        """Lock up to `limit` unpublished events (SKIP LOCKED lets several relays share the outbox); `retire`
        marks them published."""
        return _lock_rows(
            self.pool,
            """
            SELECT id::text, subject, payload FROM upload.outbox
            WHERE published_at IS NULL
            ORDER BY created_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
            """,
            (limit,),
            lambda row: OutboxEvent(row["id"], row["subject"], bytes(row["payload"])),
            retire="UPDATE upload.outbox SET published_at = now() WHERE id = ANY($1::uuid[])",
        )

    @contextlib.asynccontextmanager
    async def wake_ups(self, on_notify: Callable[[], None]) -> AsyncIterator[Callable[[], bool]]:
        """Call `on_notify` whenever an outbox row is committed (holds one pooled connection).

        Yields a function telling whether the listening connection is still open. When the connection is
        lost (the database restarted) `on_notify` is called too, so the caller notices at once."""
        async with self.pool.acquire() as conn:
            lost = False

            def listener(*_: object) -> None:
                on_notify()

            def on_lost(*_: object) -> None:
                nonlocal lost
                lost = True
                on_notify()

            # Asked through a termination listener, not conn.is_closed(): once the connection died the pool
            # takes it back, and any call on it raises InterfaceError — which, raised here while a
            # CancelledError unwinds, would replace it and the relay would never stop.
            conn.add_termination_listener(on_lost)
            await conn.add_listener(OUTBOX_CHANNEL, listener)
            try:
                yield lambda: not lost
            finally:
                if not lost:
                    with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
                        await conn.remove_listener(OUTBOX_CHANNEL, listener)
                        conn.remove_termination_listener(on_lost)


@dataclass(frozen=True)
class ImportedItem:
    """A legacy row or file a migration already handled, with the activity holding its bytes."""

    legacy_id: str
    outcome: str  # migrated | duplicate
    queued: bool
    activity: Activity


class MigrationRepository:
    """upload.legacy_imports and upload.migration_runs, and activities created by the legacy migration."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def imported(self, source: str) -> dict[str, ImportedItem]:
        """Every item of `source` handled by earlier runs, by legacy id."""
        rows = await self.pool.fetch(
            f"""
            SELECT i.legacy_id, i.outcome, i.queued, {_ACTIVITY_COLUMNS}
            FROM upload.legacy_imports i JOIN upload.activities a ON a.id = i.activity_id
            WHERE i.source = $1
            """,
            source,
        )
        return {
            r["legacy_id"]: ImportedItem(r["legacy_id"], r["outcome"], r["queued"], _activity(r))
            for r in rows
        }

    async def record_migrated(
        self, activity: Activity, source: str, legacy_id: str, event: OutboxEvent | None
    ) -> tuple[str, Activity | None]:
        """In one transaction: the activity `uploaded` (a new row, or the owner's pending row for the same
        bytes), its legacy_imports row and, unless `event` is None, its outbox event.

        Returns ("migrated", None); ("duplicate", the owner's existing activity) when another activity holds
        these bytes (the caller links to it); ("already", None) when another run recorded this item first."""
        async with self.pool.acquire() as conn, conn.transaction():
            # Locks the owner's row for these bytes, if any: a concurrent run waits here, then sees it.
            existing = await conn.fetchrow(
                f"SELECT {_ACTIVITY_COLUMNS} FROM upload.activities WHERE user_id = $1 AND sha256 = $2 "
                "FOR UPDATE",
                activity.user_id,
                activity.sha256,
            )
            if existing is not None and existing["id"] != activity.id:
                return "duplicate", _activity(existing)
            if existing is not None and existing["status"] != PENDING:
                return "already", None
            if existing is None:
                inserted = await conn.fetchval(
                    """
                    INSERT INTO upload.activities (id, user_id, file_name, size_bytes, sha256, object_key, status,
                        created_at, uploaded_at, url_expires_at, legacy_source, legacy_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10)
                    ON CONFLICT (user_id, sha256) DO NOTHING
                    RETURNING true
                    """,
                    activity.id,
                    activity.user_id,
                    activity.file_name,
                    activity.size_bytes,
                    activity.sha256,
                    activity.object_key,
                    UPLOADED,
                    activity.uploaded_at,
                    source,
                    legacy_id,
                )
                if not inserted:  # inserted concurrently since our look (nothing to lock then)
                    raced = await conn.fetchrow(
                        f"SELECT {_ACTIVITY_COLUMNS} FROM upload.activities WHERE user_id = $1 AND sha256 = $2",
                        activity.user_id,
                        activity.sha256,
                    )
                    assert raced is not None
                    if raced["id"] == activity.id:
                        return "already", None
                    return "duplicate", _activity(raced)
            else:  # the owner's own interrupted upload of these bytes: the migration completes it
                await conn.execute(
                    "UPDATE upload.activities SET status = $2, uploaded_at = $3, size_bytes = $4, "
                    "legacy_source = $5, legacy_id = $6 WHERE id = $1",
                    activity.id,
                    UPLOADED,
                    activity.uploaded_at,
                    activity.size_bytes,
                    source,
                    legacy_id,
                )
            await conn.execute(
                "INSERT INTO upload.legacy_imports (source, legacy_id, activity_id, outcome, queued) "
                "VALUES ($1, $2, $3, 'migrated', $4)",
                source,
                legacy_id,
                activity.id,
                event is not None,
            )
            await self._queue(conn, [event] if event else [])
        return "migrated", None

    async def record_duplicate(self, source: str, legacy_id: str, activity_id: str) -> None:
        """Link a legacy item to the owner's existing activity with the same bytes."""
        await self.pool.execute(
            "INSERT INTO upload.legacy_imports (source, legacy_id, activity_id, outcome, queued) "
            "VALUES ($1, $2, $3, 'duplicate', true) ON CONFLICT (source, legacy_id) DO NOTHING",
            source,
            legacy_id,
            activity_id,
        )

    async def queue(self, source: str, events: dict[str, OutboxEvent]) -> int:
        """Queue the analysis of items migrated earlier without it (legacy id → event); returns how many."""
        if not events:
            return 0
        async with self.pool.acquire() as conn, conn.transaction():
            still = await conn.fetch(
                "UPDATE upload.legacy_imports SET queued = true "
                "WHERE source = $1 AND legacy_id = ANY($2::text[]) AND NOT queued RETURNING legacy_id",
                source,
                list(events),
            )
            await self._queue(conn, [events[r["legacy_id"]] for r in still])
        return len(still)

    @staticmethod
    async def _queue(conn: Connection, events: Sequence[OutboxEvent]) -> None:
        if events:
            await conn.executemany(
                "INSERT INTO upload.outbox (id, subject, payload) VALUES ($1, $2, $3)",
                [(e.id, e.subject, e.payload) for e in events],
            )

    # --- run reports -----------------------------------------------------------------------------------

    async def start_run(self, run_id: str, operator_id: str, source: str, dry_run: bool) -> None:
        await self.pool.execute(
            "INSERT INTO upload.migration_runs (id, operator_id, source, dry_run) VALUES ($1, $2, $3, $4)",
            run_id,
            operator_id,
            source,
            dry_run,
        )

    async def save_run(self, run_id: str, report: dict[str, Any], *, finished: bool) -> None:
        await self.pool.execute(
            "UPDATE upload.migration_runs SET report = $2::jsonb, heartbeat_at = now(), "
            "finished_at = CASE WHEN $3 THEN now() END WHERE id = $1",
            run_id,
            json.dumps(report),
            finished,
        )

    async def runs(self, limit: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT id::text, operator_id, source, dry_run, started_at, heartbeat_at, finished_at, "
            "report::text AS report FROM upload.migration_runs ORDER BY started_at DESC LIMIT $1",
            limit,
        )


@dataclass(frozen=True)
class UploadFigures:
    """What the upload service owns, for its Prometheus gauges."""

    outbox_backlog: int
    outbox_oldest_age_s: float
    stored_objects: int
    stored_bytes: int
    by_status: dict[str, int]


async def upload_figures(pool: asyncpg.Pool) -> UploadFigures:
    row = await pool.fetchrow(
        """
        SELECT
            (SELECT count(*) FROM upload.outbox WHERE published_at IS NULL) AS backlog,
            (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)
             FROM upload.outbox WHERE published_at IS NULL)::float8 AS oldest,
            (SELECT count(*) FROM upload.activities WHERE status <> 'pending') AS objects,
            (SELECT coalesce(sum(size_bytes), 0) FROM upload.activities WHERE status <> 'pending')::bigint AS bytes
        """
    )
    statuses = await pool.fetch("SELECT status, count(*) AS n FROM upload.activities GROUP BY status")
    assert row is not None
    return UploadFigures(
        outbox_backlog=row["backlog"],
        outbox_oldest_age_s=row["oldest"],
        stored_objects=row["objects"],
        stored_bytes=row["bytes"],
        by_status={r["status"]: r["n"] for r in statuses},
    )
