"""PostgreSQL pool and per-service migrations.

Each service owns one schema and applies its own `migrations/NNN_name.sql` files at start, each once, in
order, recorded in `<schema>.schema_migrations`. Each script runs in its own transaction that first takes a
transaction-scoped advisory lock and re-reads what is applied, so replicas starting at the same time apply
each script once — and, unlike a session lock, this also works through a transaction pooler (Supabase's
pgbouncer), where consecutive statements may reach different server connections.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from importlib import resources
from typing import Any, ClassVar, Protocol, TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import asyncpg.pool

from .settings import DatabaseSettings

log = logging.getLogger(__name__)

# Every change of an activity's status, in any service's schema, is announced on this channel with the
# activity id as payload: the analyzer's WatchActivity listens, whichever service made the change.
ACTIVITY_CHANNEL = "fitcoach_activity"

# What code that runs queries holds: a plain connection, or one acquired from a pool (a proxy to it).
Connection: TypeAlias = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


class _Dataclass(Protocol):
    """Any dataclass (what dataclasses.fields accepts)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


D = TypeVar("D", bound=_Dataclass)


def from_row(cls: type[D], row: asyncpg.Record, **converted: Any) -> D:
    """A dataclass from the row's columns named as its fields (the row may hold more columns); `converted`
    gives the fields whose column needs converting first (a uuid as text, NULL as "")."""
    values = {f.name: row[f.name] for f in dataclasses.fields(cls) if f.name not in converted}
    return cls(**values, **converted)


def redact_dsn(dsn: str) -> str:
    """The DSN without its password (for logs and reports): postgresql://user:***@host/db."""
    if len(dsn) > 300:
        return "<a 300+ character dsn>"
    try:
        parts = urlsplit(dsn)
        if parts.password is None:
            return dsn if "password=" not in dsn.lower() else "<dsn with a password>"
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unreadable dsn>"


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset: nothing beyond what asyncpg always does (roll back a transaction left open).

    asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every
    release: a round trip per query or transaction, a quarter of all statements in the pipeline. FitCoach code
    leaves no session state on a pooled connection (only transaction-scoped locks and settings; a LISTEN
    removes itself), and behind a transaction pooler session state could not be relied on anyway.
    """


async def create_pool(settings: DatabaseSettings, **kwargs: Any) -> asyncpg.Pool:
    """A pool sized by settings; statement_cache_size=0 is required behind a transaction pooler."""
    pool = await asyncpg.create_pool(
        settings.url,
        min_size=1,
        max_size=settings.pool_max_size,
        statement_cache_size=settings.statement_cache_size,
        reset=_keep_session,
        **kwargs,
    )
    assert pool is not None
    return pool


def _lock_key(schema: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"fitcoach-migrations:{schema}".encode()).digest()[:8], "big", signed=True
    )


async def apply_migrations(pool: asyncpg.Pool, schema: str, package: str) -> list[str]:
    """Apply the not-yet-applied `<package>/migrations/*.sql` files; returns the names applied now."""
    folder = resources.files(package) / "migrations"
    scripts = sorted((f.name, f.read_text()) for f in folder.iterdir() if f.name.endswith(".sql"))
    lock = _lock_key(schema)
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock)
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations '
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for name, sql in scripts:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", lock)
                if await conn.fetchval(f'SELECT 1 FROM "{schema}".schema_migrations WHERE name = $1', name):
                    continue
                await conn.execute(sql)
                await conn.execute(f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', name)
            applied_now.append(name)
            log.info("applied migration", extra={"fields": {"schema": schema, "migration": name}})
    return applied_now
