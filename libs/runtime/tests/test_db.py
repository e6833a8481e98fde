"""Migrations on a real PostgreSQL: in order, once, serialised across pools, atomic per script."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from fitcoach_runtime.db import apply_migrations, create_pool
from fitcoach_runtime.settings import DatabaseSettings

DEMO = "runtime_testkit.migdemo"
ALL_DEMO = ["001_create.sql", "002_seed.sql", "010_later.sql"]


@pytest.fixture
async def pools(database_url: str) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two independent pools on one fresh database, as two replicas of a service would have."""
    settings = DatabaseSettings(url=database_url, pool_max_size=2)
    opened = [await create_pool(settings), await create_pool(settings, command_timeout=10)]
    yield opened
    for pool in opened:
        await pool.close()


async def test_applies_in_order_once(pools: list[asyncpg.Pool]) -> None:
    pool = pools[0]
    assert await apply_migrations(pool, "demo", DEMO) == ALL_DEMO
    rows = await pool.fetch('SELECT note, source FROM "public".events ORDER BY id')
    assert [(r["note"], r["source"]) for r in rows] == [("seeded", "migration"), ("after 002", "migration")]
    recorded = await pool.fetch("SELECT name FROM demo.schema_migrations ORDER BY applied_at, name")
    assert [r["name"] for r in recorded] == ALL_DEMO
    assert await apply_migrations(pool, "demo", DEMO) == []  # idempotent
    assert await pool.fetchval('SELECT count(*) FROM "public".events') == 2


async def test_concurrent_migrators_apply_each_script_once(pools: list[asyncpg.Pool]) -> None:
    results = await asyncio.gather(*(apply_migrations(p, "demo", DEMO) for p in pools))
    # Each script is applied by exactly one migrator (the lock is per script, so two replicas may share
    # the work), and together they applied all of them.
    applied = [name for result in results for name in result]
    assert sorted(applied) == ALL_DEMO
    recorded = await pools[0].fetch("SELECT name FROM demo.schema_migrations ORDER BY applied_at, name")
    assert [r["name"] for r in recorded] == ALL_DEMO  # and in order
    assert await pools[1].fetchval('SELECT count(*) FROM "public".events WHERE note = $1', "seeded") == 1
    # The advisory lock is released: nobody is left holding it.
    held = await pools[0].fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    assert held == 0


async def test_failed_script_rolls_back_alone_and_releases_the_lock(pools: list[asyncpg.Pool]) -> None:
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await apply_migrations(pools[0], "broken", "runtime_testkit.migbroken")
    names = await pools[0].fetch("SELECT name FROM broken.schema_migrations")
    assert [r["name"] for r in names] == ["001_ok.sql"]
    assert await pools[0].fetchval("SELECT to_regclass('public.kept') IS NOT NULL")
    assert await pools[0].fetchval("SELECT to_regclass('public.half_done') IS NULL")  # rolled back whole
    # Another replica is not blocked by a lock left behind: it retries (and fails the same way) at once.
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await asyncio.wait_for(apply_migrations(pools[1], "broken", "runtime_testkit.migbroken"), 5)


async def test_pool_honours_statement_cache_setting(database_url: str) -> None:
    pool = await create_pool(DatabaseSettings(url=database_url, statement_cache_size=0, pool_max_size=1))
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
        assert pool.get_max_size() == 1
    finally:
        await pool.close()
