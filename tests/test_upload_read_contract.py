"""The one place the analyzer reads the upload service's data: the view `upload.activities_v1`.

The upload service owns the view (its migration 002) and may change its table freely behind it; these tests
fail when the view drifts from the contract the analyzer relies on (docs/architecture.md, "What the analyzer
reads from the upload service"), or when the analyzer reaches past the view into the upload schema.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from analyzer_service.ops_repository import OpsRepository
from analyzer_service.repository import Repository, pool_init
from fitcoach_runtime.db import apply_migrations
from fitcoach_runtime.storage import object_key
from upload_service.repository import ActivityRepository
from upload_service.service import DUPLICATE, PENDING, UPLOADED, Activity, OutboxEvent

# The contract: column → type (information_schema spelling). Adding a column to the view is compatible;
# renaming, retyping or dropping one needs a new view (activities_v2) beside this one.
CONTRACT_COLUMNS = {
    "id": "uuid",
    "user_id": "uuid",
    "file_name": "text",
    "size_bytes": "bigint",
    "sha256": "text",
    "status": "text",
    "duplicate_of": "uuid",
    "created_at": "timestamp with time zone",
    "uploaded_at": "timestamp with time zone",
    "legacy_id": "text",  # added by the legacy migration (upload migration 003): the id it came from
}
# The operators' figures the analyzer serves read these too (upload migration 003).
OPS_VIEWS = {
    "outbox_backlog_v1": {"events": "bigint", "oldest_created_at": "timestamp with time zone"},
    "storage_operations_v1": {"month": "date", "operation": "text", "count": "bigint"},
}
# Every status the view may show; the analyzer maps each of them to an ActivityStatus.
CONTRACT_STATUSES = {PENDING, UPLOADED, DUPLICATE}


@pytest.fixture
async def admin_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The test database with both services' migrations applied, as the services apply them at start."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    await apply_migrations(pool, "upload", "upload_service")
    await apply_migrations(pool, "analyzer", "analyzer_service")
    yield pool
    await pool.close()


@pytest.fixture
async def view_only_pool(admin_pool: asyncpg.Pool, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool logged in as a role that may read the analyzer's schema and, of the upload schema, only the
    view: what a deployment with one database role per service grants the analyzer."""
    role, password = f"analyzer_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    await admin_pool.execute(
        f"""
        CREATE ROLE {role} LOGIN PASSWORD '{password}';
        GRANT USAGE ON SCHEMA upload, analyzer TO {role};
        GRANT SELECT ON upload.activities_v1, upload.outbox_backlog_v1, upload.storage_operations_v1 TO {role};
        GRANT SELECT ON ALL TABLES IN SCHEMA analyzer TO {role};
        """
    )
    parts = urlsplit(database_url)
    as_role = urlunsplit(parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port}"))
    pool = await asyncpg.create_pool(as_role, min_size=1, max_size=2, init=pool_init())
    assert pool is not None
    try:
        yield pool
    finally:
        await pool.close()
        # Roles are cluster-wide: drop this one (and what was granted to it) with the test.
        await admin_pool.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")


async def test_the_view_has_the_contract_columns(admin_pool: asyncpg.Pool) -> None:
    rows = await admin_pool.fetch(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'upload' AND table_name = 'activities_v1'
        """
    )
    columns = {r["column_name"]: r["data_type"] for r in rows}
    assert {name: columns.get(name) for name in CONTRACT_COLUMNS} == CONTRACT_COLUMNS


@pytest.mark.parametrize("view", sorted(OPS_VIEWS))
async def test_the_ops_views_have_their_contract_columns(admin_pool: asyncpg.Pool, view: str) -> None:
    rows = await admin_pool.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'upload' AND table_name = $1",
        view,
    )
    assert {r["column_name"]: r["data_type"] for r in rows} == OPS_VIEWS[view]


async def test_the_view_shows_only_the_contract_statuses(admin_pool: asyncpg.Pool) -> None:
    # The table's CHECK constraint is what bounds the statuses the view can show.
    definition = await admin_pool.fetchval(
        """
        SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = 'upload.activities'::regclass AND c.contype = 'c'
          AND pg_get_constraintdef(c.oid) LIKE '%status = ANY%'
        """
    )
    assert set(re.findall(r"'(\w+)'::text", definition)) == CONTRACT_STATUSES


async def test_the_analyzer_reads_uploads_through_the_view_alone(
    admin_pool: asyncpg.Pool, view_only_pool: asyncpg.Pool
) -> None:
    user_id = str(uuid.uuid4())
    uploads = ActivityRepository(admin_pool)  # the upload service writes its table, as in production
    created = dt.datetime(2026, 5, 1, 7, 30, tzinfo=dt.UTC)
    activities = []
    for minute, name in enumerate(("first.fit", "second.fit")):
        activity = Activity(
            id=(activity_id := str(uuid.uuid4())),
            user_id=user_id,
            file_name=name,
            size_bytes=1000 + minute,
            sha256=f"{minute:064x}",
            object_key=object_key(user_id, activity_id),
            status=PENDING,
            created_at=created + dt.timedelta(minutes=minute),
            uploaded_at=None,
            url_expires_at=created + dt.timedelta(hours=1),
        )
        assert await uploads.insert_pending(activity)
        activities.append(activity)
    event = OutboxEvent(id=str(uuid.uuid4()), subject="fitcoach.upload.v1.completed", payload=b"")
    assert await uploads.mark_uploaded(activities[1].id, user_id, created, event) == UPLOADED

    # The analyzer's own queries, run by a role that cannot see upload.activities: a query that joins the
    # table instead of the view fails here with "permission denied".
    repository = Repository(view_only_pool)
    listed = await repository.list_activities(user_id, limit=10, after=None)
    assert [(r.file_name, r.upload_status, r.size_bytes) for r in listed] == [
        ("second.fit", UPLOADED, 1001),
        ("first.fit", PENDING, 1000),
    ]
    first = activities[0]
    one = await repository.activity(first.id, user_id)
    assert one is not None and (one.sha256, one.created_at) == (first.sha256, first.created_at)
    assert await repository.daily_loads(user_id, created.date()) == []  # the trend joins the view too
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await view_only_pool.fetchval("SELECT count(*) FROM upload.activities")


async def test_the_operators_figures_read_the_upload_schema_through_views_alone(
    admin_pool: asyncpg.Pool, view_only_pool: asyncpg.Pool
) -> None:
    user_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    activity = Activity(
        id=(activity_id := str(uuid.uuid4())), user_id=user_id, file_name="run.fit", size_bytes=4096,
        sha256="a" * 64, object_key=object_key(user_id, activity_id), status=PENDING, created_at=now,
        uploaded_at=None, url_expires_at=now + dt.timedelta(hours=1),
    )  # fmt: skip
    uploads = ActivityRepository(admin_pool)
    assert await uploads.insert_pending(activity)
    event = OutboxEvent(id=str(uuid.uuid4()), subject="fitcoach.upload.v1.completed", payload=b"")
    assert await uploads.mark_uploaded(activity_id, user_id, now, event) == UPLOADED
    await admin_pool.execute(
        "INSERT INTO upload.storage_operations (month, operation, count) VALUES ($1, 'PutObject', 3)",
        now.date().replace(day=1),
    )
    # Every query of the operators' RPCs, run by the role that sees only the views.
    ops = OpsRepository(view_only_pool)
    assert (await ops.replay_states([activity_id]))[activity_id].upload_status == UPLOADED
    assert await ops.status_counts() == [(UPLOADED, 1, 4.0)]
    assert (await ops.stage_delays(now - dt.timedelta(days=7)))["analysis_delay"].count == 0
    assert sum(await ops.analysis_delay_histogram(now - dt.timedelta(days=7), [1.0, 10.0])) == 0
    assert await ops.top_failures(now - dt.timedelta(days=7), 10) == []
    assert (await ops.outbox_backlog())[0] == 1
    assert await ops.stored() == (1, 4096)
    assert await ops.storage_operations(now.date().replace(day=1)) == {"PutObject": 3}
    assert await ops.byte_seconds(now - dt.timedelta(days=1), now + dt.timedelta(days=1)) >= 0
    assert (await ops.per_user(now - dt.timedelta(days=1), now + dt.timedelta(days=1)))[1] == 1.0
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await view_only_pool.fetchval("SELECT count(*) FROM upload.outbox")
