"""SQL of the analyzer (asyncpg). Every status change announces itself on ACTIVITY_CHANNEL (pg_notify) through a
trigger (migrations/005_notify_trigger.sql). The pipeline's writes are single statements where they can be:
each is one round trip and its own transaction."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson
from fitcoach_analysis.profile import AthleteProfile
from fitcoach_runtime.db import Connection, from_row

from .domain import (
    ActivityBusy,
    ActivityRecord,
    AdviceRecord,
    AnalysisResult,
    Claim,
    ClaimOutcome,
    DailyLoad,
    DeadLetter,
    FailureKind,
    ListCursor,
)

log = logging.getLogger(__name__)


# PostgreSQL's jsonb has no NaN/Infinity: orjson writes them as null (chart streams use NaN for gaps), and
# numpy values as numbers. Results are the analyzer's biggest writes (~100 KB of JSON per activity): orjson
# encodes them about ten times faster than the json module with a walk to replace NaN.
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=_JSON_OPTIONS).decode()


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=_dumps, decoder=orjson.loads, schema="pg_catalog")


def pool_init() -> Callable[[asyncpg.Connection], Any]:
    """The `init=` of the analyzer's pool: jsonb columns read and written as Python values."""
    return _init_connection


# A delivery writes an activity's state only while it holds the lease ($1 activity, $2 its token): after an
# analyzer stalled past its lease and another delivery took over, the stale one's writes change nothing.
_LEASE_HOLDER = "activity_id = $1 AND claim_token = $2"
_RELEASE = "claim_token = NULL, lease_until = NULL"


async def _fenced(db: asyncpg.Pool | Connection, update: str, *args: Any) -> None:
    """Run `update ... WHERE {_LEASE_HOLDER} ... RETURNING true`; ActivityBusy when the lease was taken over."""
    if not await db.fetchval(update, *args):
        raise ActivityBusy(0.0)


_ACTIVITY_COLUMNS = """
    coalesce(u.id, a.activity_id)::text AS activity_id,
    coalesce(u.user_id, a.user_id)::text AS user_id,
    u.file_name, u.size_bytes, u.sha256, u.status AS upload_status, u.duplicate_of::text AS duplicate_of,
    u.created_at, u.uploaded_at, u.legacy_id,
    a.status AS analysis_status, a.failure_reason, a.failure_kind, a.advice_status, a.advice_error,
    a.analysis_started_at, a.analyzed_at, a.advised_at, a.failed_at, a.updated_at,
    r.analyzer_version, r.sport, r.start_time, r.local_offset_s, r.record_count, r.device, r.summary
"""


def _record(
    row: asyncpg.Record, *, sessions: list[dict[str, Any]] | None = None, advice: AdviceRecord | None = None
) -> ActivityRecord:
    return ActivityRecord(
        activity_id=row["activity_id"],
        user_id=row["user_id"],
        file_name=row["file_name"] or "",
        size_bytes=row["size_bytes"] or 0,
        sha256=row["sha256"] or "",
        upload_status=row["upload_status"],
        analysis_status=row["analysis_status"],
        failure_reason=row["failure_reason"] or "",
        failure_kind=row["failure_kind"],
        advice_status=row["advice_status"],
        duplicate_of=row["duplicate_of"] or "",
        created_at=row["created_at"],
        uploaded_at=row["uploaded_at"],
        analysis_started_at=row["analysis_started_at"],
        analyzed_at=row["analyzed_at"],
        advised_at=row["advised_at"],
        failed_at=row["failed_at"],
        analyzer_version=row["analyzer_version"] or "",
        sport=row["sport"] or "",
        start_time=row["start_time"],
        local_offset_s=row["local_offset_s"] or 0,
        record_count=row["record_count"] or 0,
        device=row["device"] or "",
        summary=row["summary"] or {},
        sessions=sessions or [],
        advice=advice,
        legacy_id=row["legacy_id"] or "",
    )


class Repository:
    """All of the analyzer's SQL. Methods take plain strings and domain values, never asyncpg types."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # --- the analysis pipeline -------------------------------------------------------------------------

    async def claim(
        self, activity_id: str, user_id: str, version: str, lease_s: float, *, force: bool = False
    ) -> Claim:
        """Decide what this delivery has to do (Postgres is the dedupe) and, when there is work, hand it the
        activity's lease: one delivery at a time analyzes an activity or asks for its advice. `force` (an
        operator's replay) analyzes again even what this version already settled.

        A lease still running means another delivery is at work (BUSY); one that ran out belonged to an
        analyzer that died, and this delivery takes the activity over.
        """
        token = uuid.uuid4()
        aid = uuid.UUID(activity_id)
        # The first delivery of a new upload (nearly every delivery): one statement.
        if await self.pool.fetchval(
            """
            INSERT INTO analyzer.activities (activity_id, user_id, status, analyzer_version, attempts,
                analysis_started_at, first_analysis_started_at, updated_at, claim_token, lease_until)
            SELECT $1, $2, 'analyzing', $3, 1, now(), now(), now(), $4, now() + $5 * interval '1 second'
            WHERE EXISTS (SELECT FROM upload.activities_v1 WHERE id = $1)
            ON CONFLICT (activity_id) DO NOTHING
            RETURNING true
            """,
            aid,
            uuid.UUID(user_id),
            version,
            token,
            lease_s,
        ):
            return Claim(ClaimOutcome.ANALYZE, str(token))
        async with self.pool.acquire() as conn, conn.transaction():
            # The owner deleted it (the upload row is gone): a late or replayed event must not bring it back.
            if not await conn.fetchval("SELECT true FROM upload.activities_v1 WHERE id = $1", aid):
                return Claim(ClaimOutcome.DELETED)
            row = await conn.fetchrow(
                "SELECT status, analyzer_version, advice_status, failure_kind, "
                "extract(epoch FROM lease_until - now())::float8 AS lease_left_s "
                "FROM analyzer.activities WHERE activity_id = $1 FOR UPDATE",
                aid,
            )
            if row is not None and (row["lease_left_s"] or 0) > 0:
                return Claim(ClaimOutcome.BUSY, retry_in_s=row["lease_left_s"])
            if row is not None and row["analyzer_version"] == version and not force:
                if row["status"] == "failed" and row["failure_kind"] == FailureKind.BAD_FILE.value:
                    return Claim(ClaimOutcome.DONE)
                if row["status"] == "analyzed":
                    if row["advice_status"] != "pending":
                        return Claim(ClaimOutcome.DONE)
                    await conn.execute(
                        "UPDATE analyzer.activities SET claim_token = $2, "
                        "lease_until = now() + $3 * interval '1 second' WHERE activity_id = $1",
                        aid,
                        token,
                        lease_s,
                    )
                    return Claim(ClaimOutcome.ADVISE, str(token))
            # New, analyzing under a lease that ran out, failed by our own code or by infrastructure, or
            # analyzed by another version: analyze (again). Only the row read and locked above is taken over:
            # when there was none, a delivery inserting it meanwhile has the lease (no row returned: busy).
            claimed = await conn.fetchval(
                """
                INSERT INTO analyzer.activities AS a
                    (activity_id, user_id, status, analyzer_version, attempts, analysis_started_at, updated_at,
                     claim_token, lease_until)
                VALUES ($1, $2, 'analyzing', $3, 1, now(), now(), $4, now() + $5 * interval '1 second')
                ON CONFLICT (activity_id) DO UPDATE SET
                    status = 'analyzing', analyzer_version = $3, attempts = a.attempts + 1,
                    analysis_started_at = now(), failure_reason = NULL, failure_kind = NULL, error_detail = NULL,
                    failed_at = NULL, updated_at = now(), claim_token = $4, lease_until = excluded.lease_until,
                    first_analysis_started_at = coalesce(a.first_analysis_started_at, now())
                WHERE $6
                RETURNING true
                """,
                aid,
                uuid.UUID(user_id),
                version,
                token,
                lease_s,
                row is not None,
            )
            if not claimed:
                return Claim(ClaimOutcome.BUSY, retry_in_s=lease_s)
        return Claim(ClaimOutcome.ANALYZE, str(token))

    async def renew_lease(self, activity_id: str, token: str, lease_s: float) -> bool:
        """Extend this delivery's lease; False when another delivery took the activity over."""
        renewed = await self.pool.fetchval(
            "UPDATE analyzer.activities SET lease_until = now() + $3 * interval '1 second' "
            f"WHERE {_LEASE_HOLDER} RETURNING true",
            uuid.UUID(activity_id),
            uuid.UUID(token),
            lease_s,
        )
        return bool(renewed)

    async def release_lease(self, activity_id: str, token: str) -> None:
        """Give the activity up unsettled (the delivery failed or is cancelled): the next one may take it."""
        await self.pool.execute(
            f"UPDATE analyzer.activities SET {_RELEASE} WHERE {_LEASE_HOLDER}",
            uuid.UUID(activity_id),
            uuid.UUID(token),
        )

    async def mark_failed(
        self,
        activity_id: str,
        version: str,
        token: str,
        kind: FailureKind,
        reason: str,
        detail: str | None = None,
    ) -> None:
        """`failed` with the reason the athlete sees (and `detail` for operators); the lease ends."""
        await _fenced(
            self.pool,
            "UPDATE analyzer.activities SET status = 'failed', analyzer_version = $3, failure_kind = $4, "
            f"failure_reason = $5, error_detail = $6, failed_at = now(), updated_at = now(), {_RELEASE} "
            f"WHERE {_LEASE_HOLDER} RETURNING true",
            uuid.UUID(activity_id),
            uuid.UUID(token),
            version,
            kind.value,
            reason,
            detail,
        )

    async def store_result(self, result: AnalysisResult, token: str, *, replace: bool = False) -> bool:
        """Results, version and `analyzed` in one statement (the lease goes on, for the advice); False when this
        version's row already existed and was kept. `replace` (a forced replay: the athlete's profile may have
        changed) overwrites it. Nothing is written unless this delivery still holds the lease."""
        on_conflict = (
            "DO UPDATE SET sport = excluded.sport, sub_sport = excluded.sub_sport, "
            "start_time = excluded.start_time, local_offset_s = excluded.local_offset_s, "
            "local_date = excluded.local_date, record_count = excluded.record_count, device = excluded.device, "
            "training_load = excluded.training_load, summary = excluded.summary, sessions = excluded.sessions, "
            "warnings = excluded.warnings, profile = excluded.profile, created_at = now()"
            if replace
            else "DO NOTHING"
        )
        row = await self.pool.fetchrow(
            f"""
            WITH held AS (
                UPDATE analyzer.activities SET status = 'analyzed', analyzer_version = $3, result_version = $3,
                    analyzed_at = now(), advice_status = 'pending', advice_error = NULL, updated_at = now(),
                    first_analyzed_at = coalesce(first_analyzed_at, now())
                WHERE {_LEASE_HOLDER}
                RETURNING activity_id
            ), stored AS (
                INSERT INTO analyzer.results (activity_id, analyzer_version, user_id, sport, sub_sport,
                    start_time, local_offset_s, local_date, record_count, device, training_load, summary,
                    sessions, warnings, profile)
                SELECT activity_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM held
                ON CONFLICT (activity_id, analyzer_version) {on_conflict}
                RETURNING true
            )
            SELECT EXISTS (SELECT FROM held) AS held, EXISTS (SELECT FROM stored) AS stored
            """,
            uuid.UUID(result.activity_id),
            uuid.UUID(token),
            result.analyzer_version,
            uuid.UUID(result.user_id),
            result.sport,
            result.sub_sport,
            result.start_time,
            result.local_offset_s,
            result.local_date,
            result.record_count,
            result.device,
            result.training_load,
            result.summary,
            result.sessions,
            result.warnings,
            result.profile,
        )
        if row is None or not row["held"]:
            raise ActivityBusy(0.0)
        return bool(row["stored"])

    async def advice_by_hash(self, activity_id: str, request_hash: str) -> AdviceRecord | None:
        row = await self.pool.fetchrow(
            "SELECT * FROM analyzer.advice WHERE activity_id = $1 AND request_hash = $2",
            uuid.UUID(activity_id),
            request_hash,
        )
        return _advice(row) if row else None

    async def store_advice(self, activity_id: str, advice: AdviceRecord, token: str) -> None:
        """The advice row and `ready` in one statement (an existing row for the same inputs is kept); the
        lease ends. Nothing is written unless this delivery still holds the lease."""
        await _fenced(
            self.pool,
            f"""
            WITH held AS (
                UPDATE analyzer.activities SET advice_status = 'ready', advice_error = NULL, advised_at = now(),
                    first_advised_at = coalesce(first_advised_at, now()), updated_at = now(), {_RELEASE}
                WHERE {_LEASE_HOLDER}
                RETURNING activity_id, user_id
            ), stored AS (
                INSERT INTO analyzer.advice (activity_id, user_id, request_hash, input_hash, engine, model,
                    prompt_version, language, advice)
                SELECT activity_id, user_id, $3, $4, $5, $6, $7, $8, $9 FROM held
                ON CONFLICT (activity_id, request_hash) DO NOTHING
            )
            SELECT EXISTS (SELECT FROM held)
            """,
            uuid.UUID(activity_id),
            uuid.UUID(token),
            advice.request_hash,
            advice.input_hash,
            advice.engine,
            advice.model,
            advice.prompt_version,
            advice.language,
            advice.advice,
        )

    async def mark_advice_ready(self, activity_id: str, token: str) -> None:
        await self._settle_advice(activity_id, token, "ready", None)

    async def mark_advice_failed(self, activity_id: str, token: str, error: str) -> None:
        await self._settle_advice(activity_id, token, "failed", error)

    async def _settle_advice(self, activity_id: str, token: str, status: str, error: str | None) -> None:
        """The advice status, and the end of the delivery's lease."""
        await _fenced(
            self.pool,
            "UPDATE analyzer.activities SET advice_status = $3, advice_error = $4, "
            "advised_at = CASE WHEN $3 = 'ready' THEN now() ELSE advised_at END, updated_at = now(), "
            "first_advised_at = CASE WHEN $3 = 'ready' THEN coalesce(first_advised_at, now()) "
            f"ELSE first_advised_at END, {_RELEASE} WHERE {_LEASE_HOLDER} RETURNING true",
            uuid.UUID(activity_id),
            uuid.UUID(token),
            status,
            error,
        )

    async def current_result(self, activity_id: str) -> AnalysisResult | None:
        row = await self.pool.fetchrow(
            "SELECT r.*, r.activity_id::text AS aid, r.user_id::text AS uid FROM analyzer.results r "
            "JOIN analyzer.activities a ON a.activity_id = r.activity_id AND a.result_version = r.analyzer_version "
            "WHERE r.activity_id = $1",
            uuid.UUID(activity_id),
        )
        if row is None:
            return None
        return from_row(AnalysisResult, row, activity_id=row["aid"], user_id=row["uid"])

    async def write_dead_letter(self, letter: DeadLetter, *, fail_activity: bool) -> None:
        """Record an event the analyzer gives up on; the activity (if known) ends `failed` so nobody waits."""
        activity = _uuid(letter.activity_id) if letter.activity_id else None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """
                INSERT INTO analyzer.dead_letters (stream, stream_seq, subject, activity_id, user_id,
                    num_delivered, error, payload)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (stream, stream_seq) DO UPDATE SET num_delivered = excluded.num_delivered,
                    error = excluded.error
                """,
                letter.stream,
                letter.stream_seq,
                letter.subject,
                activity,
                _uuid(letter.user_id) if letter.user_id else None,
                letter.num_delivered,
                letter.error,
                letter.payload,
            )
            if fail_activity and activity is not None:
                # Not while another delivery holds the lease: that one is still at work and may succeed.
                await conn.execute(
                    "UPDATE analyzer.activities SET status = 'failed', failure_kind = $3, failure_reason = $2, "
                    f"failed_at = now(), updated_at = now(), {_RELEASE} WHERE activity_id = $1 "
                    "AND status = 'analyzing' AND coalesce(lease_until <= now(), true)",
                    activity,
                    letter.reason_for_user,
                    FailureKind.GAVE_UP.value,
                )

    async def purge_deleted(self, limit: int = 500) -> list[str]:
        """Delete the analyzer's rows (state, results, advice, dead letters) of activities whose upload row is
        gone, i.e. that their owner deleted; returns their ids. Idempotent: run it as often as you like."""
        async with self.pool.acquire() as conn, conn.transaction():
            ids = await conn.fetch(
                """
                DELETE FROM analyzer.activities a
                WHERE a.activity_id IN (
                    SELECT activity_id FROM analyzer.activities x
                    WHERE NOT EXISTS (SELECT 1 FROM upload.activities_v1 u WHERE u.id = x.activity_id)
                    LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING a.activity_id
                """,
                limit,
            )
            gone = [r["activity_id"] for r in ids]
            if gone:  # results and advice go by ON DELETE CASCADE; the trigger announces each deletion
                await conn.execute(
                    "DELETE FROM analyzer.dead_letters WHERE activity_id = ANY($1::uuid[])", gone
                )
        return [str(a) for a in gone]

    # --- athlete profile ---------------------------------------------------------------------------------

    async def profile(self, user_id: str) -> AthleteProfile | None:
        row = await self.pool.fetchrow(
            "SELECT * FROM analyzer.athlete_profiles WHERE user_id = $1", uuid.UUID(user_id)
        )
        if row is None:
            return None
        return from_row(AthleteProfile, row, sex=row["sex"] or None)

    async def save_profile(self, user_id: str, p: AthleteProfile) -> None:
        await self.pool.execute(
            """
            INSERT INTO analyzer.athlete_profiles AS t (user_id, max_hr_bpm, rest_hr_bpm, threshold_hr_bpm, ftp_w,
                threshold_pace_s_per_km, sex, language, critical_power_w, w_prime_j, weight_kg, units, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
            ON CONFLICT (user_id) DO UPDATE SET max_hr_bpm = $2, rest_hr_bpm = $3, threshold_hr_bpm = $4,
                ftp_w = $5, threshold_pace_s_per_km = $6, sex = $7, language = $8, critical_power_w = $9,
                w_prime_j = $10, weight_kg = $11, units = $12, updated_at = now()
            """,
            uuid.UUID(user_id),
            p.max_hr_bpm,
            p.rest_hr_bpm,
            p.threshold_hr_bpm,
            p.ftp_w,
            p.threshold_pace_s_per_km,
            p.sex or "",
            p.language or "",
            p.critical_power_w,
            p.w_prime_j,
            p.weight_kg,
            p.units or "",
        )

    # --- reading activities ------------------------------------------------------------------------------

    async def daily_loads(self, user_id: str, until: dt.date) -> list[DailyLoad]:
        """Training load per local day of every analyzed activity up to `until` (the trend needs all history)."""
        rows = await self.pool.fetch(
            """
            SELECT r.local_date, sum(coalesce(r.training_load, 0)) AS load
            FROM analyzer.results r
            JOIN analyzer.activities a ON a.activity_id = r.activity_id AND a.result_version = r.analyzer_version
            -- A deleted activity stops counting the moment its upload row is gone (before the purge runs).
            JOIN upload.activities_v1 u ON u.id = r.activity_id
            WHERE r.user_id = $1 AND r.local_date IS NOT NULL AND r.local_date <= $2
            GROUP BY r.local_date ORDER BY r.local_date
            """,
            uuid.UUID(user_id),
            until,
        )
        return [DailyLoad(date=r["local_date"], load=float(r["load"])) for r in rows]

    async def activity(self, activity_id: str, user_id: str, *, full: bool = True) -> ActivityRecord | None:
        """One activity of `user_id` (None when it does not exist or belongs to someone else)."""
        aid, uid = _uuid(activity_id), _uuid(user_id)
        if aid is None or uid is None:
            return None
        sessions_col = "r.sessions" if full else "NULL::jsonb AS sessions"
        row = await self.pool.fetchrow(
            f"""
            WITH u AS (SELECT * FROM upload.activities_v1 WHERE id = $1 AND user_id = $2),
                 a AS (SELECT * FROM analyzer.activities WHERE activity_id = $1 AND user_id = $2)
            SELECT {_ACTIVITY_COLUMNS}, {sessions_col}
            FROM u LEFT JOIN a ON a.activity_id = u.id
            LEFT JOIN analyzer.results r ON r.activity_id = a.activity_id AND r.analyzer_version = a.result_version
            """,
            aid,
            uid,
        )
        if row is None:
            return None
        advice = None
        if full:
            advice_row = await self.pool.fetchrow(
                "SELECT * FROM analyzer.advice WHERE activity_id = $1 ORDER BY id DESC LIMIT 1", aid
            )
            advice = _advice(advice_row) if advice_row else None
        return _record(row, sessions=row["sessions"] if full else None, advice=advice)

    async def list_activities(
        self, user_id: str, limit: int, after: ListCursor | None, *, sport: str = ""
    ) -> list[ActivityRecord]:
        """A page of the user's uploads (pending ones included), newest first, keyset-paged on (created_at, id).

        `sport` keeps only analyzed activities of that sport."""
        uid = _uuid(user_id)
        if uid is None:
            return []
        args: list[Any] = [uid, limit, sport]
        keyset = ""
        if after is not None:
            keyset = "AND (u.created_at, u.id) < ($4, $5)"
            args += [after.created_at, uuid.UUID(after.activity_id)]
        rows = await self.pool.fetch(
            f"""
            SELECT {_ACTIVITY_COLUMNS}
            FROM upload.activities_v1 u
            LEFT JOIN analyzer.activities a ON a.activity_id = u.id
            LEFT JOIN analyzer.results r ON r.activity_id = a.activity_id AND r.analyzer_version = a.result_version
            WHERE u.user_id = $1 AND ($3 = '' OR r.sport = $3) {keyset}
            ORDER BY u.created_at DESC, u.id DESC
            LIMIT $2
            """,
            *args,
        )
        return [_record(r) for r in rows]


def _advice(row: asyncpg.Record) -> AdviceRecord:
    return AdviceRecord(
        request_hash=row["request_hash"],
        input_hash=row["input_hash"],
        engine=row["engine"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        language=row["language"],
        advice=row["advice"],
        created_at=row["created_at"],
    )
