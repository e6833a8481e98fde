"""SQL for upload.activities and upload.outbox (asyncpg)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import asyncpg
from fitcoach_runtime.db import Connection

from upload_service.service import PENDING, UPLOADED, Activity, Deletion, OutboxEvent

# New outbox rows wake the relay (payload: empty; sent by a trigger, migrations/002_notify_triggers.sql); it
# also polls, so a lost notification only delays.
OUTBOX_CHANNEL = "fitcoach_upload_outbox"

_ACTIVITY_COLUMNS = """
    id::text, user_id::text, file_name, size_bytes, sha256, object_key, status, created_at, uploaded_at,
    url_expires_at, duplicate_of::text
"""


def _activity(row: asyncpg.Record) -> Activity:
    return Activity(**dict(row))


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

    @contextlib.asynccontextmanager
    async def claim_deletions(self, limit: int) -> AsyncIterator[QueuedDeletions]:
        """Lock queued deletions whose object may still exist (SKIP LOCKED: replicas share the work)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT activity_id::text, user_id::text, object_key FROM upload.deletions "
                "ORDER BY requested_at LIMIT $1 FOR UPDATE SKIP LOCKED",
                limit,
            )
            yield QueuedDeletions([Deletion(**dict(r)) for r in rows], conn)

    @contextlib.asynccontextmanager
    async def claim_abandoned(
        self, created_before: dt.datetime, now: dt.datetime, limit: int
    ) -> AsyncIterator[AbandonedUploads]:
        """Lock pending activities created before `created_before` whose URL has expired (SKIP LOCKED)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"""
                SELECT {_ACTIVITY_COLUMNS} FROM upload.activities
                WHERE status = $1 AND created_at < $2 AND url_expires_at < $3
                ORDER BY created_at
                LIMIT $4
                FOR UPDATE SKIP LOCKED
                """,
                PENDING,
                created_before,
                now,
                limit,
            )
            yield AbandonedUploads([_activity(r) for r in rows], conn)


@dataclass
class AbandonedUploads:
    """Abandoned pending activities, locked until the surrounding transaction ends."""

    activities: list[Activity]
    _conn: Connection

    async def delete(self, activity_ids: Sequence[str]) -> None:
        if activity_ids:
            await self._conn.execute(
                "DELETE FROM upload.activities WHERE id = ANY($1::uuid[])", list(activity_ids)
            )


@dataclass
class QueuedDeletions:
    """Queued object deletions, locked until the surrounding transaction ends."""

    deletions: list[Deletion]
    _conn: Connection

    async def done(self, activity_ids: Sequence[str]) -> None:
        if activity_ids:
            await self._conn.execute(
                "DELETE FROM upload.deletions WHERE activity_id = ANY($1::uuid[])", list(activity_ids)
            )


@dataclass
class ClaimedEvents:
    """Outbox rows locked by this relay until the surrounding transaction ends."""

    events: list[OutboxEvent]
    _conn: Connection

    async def mark_published(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self._conn.execute(
                "UPDATE upload.outbox SET published_at = now() WHERE id = ANY($1::uuid[])", list(event_ids)
            )


class OutboxRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @contextlib.asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[ClaimedEvents]:
        """Lock up to `limit` unpublished events; SKIP LOCKED lets several relays share the outbox."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """
                SELECT id::text, subject, payload FROM upload.outbox
                WHERE published_at IS NULL
                ORDER BY created_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED
                """,
                limit,
            )
            yield ClaimedEvents([OutboxEvent(r["id"], r["subject"], bytes(r["payload"])) for r in rows], conn)

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
