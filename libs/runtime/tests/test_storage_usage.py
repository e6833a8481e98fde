"""Counting storage requests for the cost estimate: R2's classes, counts kept across flushes and failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
from fitcoach_runtime.storage_usage import StorageOperations, month_start, r2_class


def test_r2_classes() -> None:
    assert [r2_class(op) for op in ("PutObject", "CompleteMultipartUpload", "ListObjectsV2", "SomethingNew")] == [
        "A", "A", "A", "A"
    ]  # fmt: skip
    assert [r2_class(op) for op in ("GetObject", "HeadObject", "HeadBucket")] == ["B", "B", "B"]
    assert [r2_class(op) for op in ("DeleteObject", "AbortMultipartUpload")] == ["free", "free"]
    assert month_start(
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    ) == dt.date(2026, 4, 1)  # months are UTC


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    await pool.execute(
        "CREATE SCHEMA demo; CREATE TABLE demo.storage_operations "
        "(month date, operation text, count bigint, PRIMARY KEY (month, operation))"
    )
    yield pool
    await pool.close()


async def test_counts_add_up_across_flushes_and_survive_a_failed_one(pool: asyncpg.Pool) -> None:
    now = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC)
    counter = StorageOperations(pool, "demo", clock=lambda: now)
    counter.record("PutObject")
    counter.record("GetObject", 2)
    counter._on_send(event_name="before-send.s3.HeadObject")  # what botocore calls for each HTTP attempt
    await counter.flush()
    counter.record("GetObject")
    now = dt.datetime(2026, 12, 1, 0, 1, tzinfo=dt.UTC)  # a new month starts its own rows
    counter.record("GetObject")
    await counter.flush()
    await counter.flush()  # nothing new: nothing added
    rows = {
        (r["month"], r["operation"]): r["count"]
        for r in await pool.fetch("SELECT * FROM demo.storage_operations")
    }
    november, december = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
    assert rows == {
        (november, "PutObject"): 1, (november, "GetObject"): 3, (november, "HeadObject"): 1,
        (december, "GetObject"): 1,
    }  # fmt: skip

    broken = StorageOperations(pool, "demo", clock=lambda: now)
    broken.table = "demo.missing_table"  # the insert fails: the counts wait for the next flush
    broken.record("PutObject", 5)
    with pytest.raises(asyncpg.PostgresError):
        await broken.flush()
    broken.table = "demo.storage_operations"
    await broken.flush()
    assert (
        await pool.fetchval(
            "SELECT count FROM demo.storage_operations WHERE month = $1 AND operation = 'PutObject'", december
        )
        == 5
    )


def test_schema_names_are_checked() -> None:
    with pytest.raises(ValueError, match="schema"):
        StorageOperations(None, "demo; DROP TABLE x")  # type: ignore[arg-type]
