"""The legacy migration on a generated legacy database at the original design's scale (330 files, ~46 MB):
gzip, zlib and raw bytea, files on disk, a missing file, corrupt compression, duplicates, unmapped users.

Real PostgreSQL (FitCoach's database and a separate legacy one), real SeaweedFS. The kill -9 and resume test
(catalogue item 36) is in test_migration_kill.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fitcoach_runtime.storage import object_key
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.legacy_db import LegacyDataset, legacy_folder
from upload_service.legacy import ItemFailed, TableSpec, UserMap, decompress, open_sources
from upload_service.main import Components
from upload_service.migration import MigrationOptions, MigrationReport, derived_activity_id

pytestmark = pytest.mark.slow


async def migrate(
    parts: Components, legacy: LegacyDataset | None, *, folder: Path | None = None, folder_user: str = "",
    user_map_csv: str | None = None, **options: Any,
) -> MigrationReport:  # fmt: skip
    """One migration run to its final report, the way the servicer runs it."""
    async with contextlib.AsyncExitStack() as resources:
        sources, users = await open_sources(
            resources,
            dsn=legacy.dsn if legacy else "",
            tables=[],
            from_dir=str(folder or ""),
            files_root="",
            user_map_csv=(legacy.user_map_csv if legacy else "") if user_map_csv is None else user_map_csv,
            user_map_query="",
        )
        reports, stored_finished = [], None
        async for r in parts.migration.run(
            sources, users, folder_user=folder_user, options=MigrationOptions(**options), operator_id="op"
        ):
            reports.append(r)
            if r.final:  # what a ListMigrationRuns says the moment the final report arrives
                stored_finished = await parts.pool.fetchval(
                    "SELECT finished_at IS NOT NULL FROM upload.migration_runs WHERE id = $1", r.run_id
                )
    assert reports[-1].final and not any(r.final for r in reports[:-1])
    assert stored_finished, "the final report came before the run was stored as finished"
    return reports[-1]


async def legacy_snapshot(dsn: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id, user_id, fit_file_path, md5(fit_file_content) FROM activities ORDER BY id"
        )
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


def bucket_keys(parts: Components, s3_bucket: Any) -> set[str]:
    client = s3_bucket.credentials.client()
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket.bucket):
        keys |= {obj["Key"] for obj in page.get("Contents", [])}
    return keys


async def test_migrates_the_legacy_table_and_reports_every_failure_with_its_legacy_id(
    parts: Components, legacy: LegacyDataset, s3_bucket: Any
) -> None:
    files_before = {p: p.read_bytes() for p in legacy.files_dir.rglob("*") if p.is_file()}
    source_before = await legacy_snapshot(legacy.dsn)
    expected = legacy.expected
    assert len(legacy.rows) == 330 and 44e6 < expected.fit_bytes < 50e6  # the original design's scale

    report = await migrate(parts, legacy, write_back=True)

    assert (report.total, report.done) == (330, 330)
    assert (report.migrated, report.duplicates, report.already_migrated) == (
        expected.migrated, expected.duplicates, 0
    )  # fmt: skip
    assert report.bytes == expected.fit_bytes
    assert report.queued == expected.migrated
    reasons = {f.legacy_id: f.reason for f in report.failures}
    assert set(reasons) == set(expected.failed) and report.failed == len(expected.failed)
    for legacy_id, word in expected.failed.items():
        assert word in reasons[legacy_id], (legacy_id, reasons[legacy_id])

    # Every migrated row: an `uploaded` activity of the right owner with its legacy id, the exact bytes in
    # the store under the usual key, and one queued event. Duplicates point at the original's activity.
    activities = {
        r["legacy_id"]: r
        for r in await parts.pool.fetch(
            "SELECT id::text, user_id::text, sha256, size_bytes, object_key, status, legacy_id, legacy_source "
            "FROM upload.activities"
        )
    }
    imports = {
        r["legacy_id"]: r
        for r in await parts.pool.fetch(
            "SELECT legacy_id, activity_id::text, outcome FROM upload.legacy_imports"
        )
    }
    keys = bucket_keys(parts, s3_bucket)
    assert len(activities) == expected.migrated == len(keys)
    client = s3_bucket.credentials.client()
    for row in legacy.rows:
        legacy_id = str(row.id)
        if legacy_id in expected.failed:
            assert legacy_id not in imports
            continue
        imported = imports[legacy_id]
        if row.duplicate_of is None:
            activity = activities[legacy_id]
            assert imported["outcome"] == "migrated" and imported["activity_id"] == activity["id"]
            assert activity["user_id"] == legacy.user_id(row) and activity["status"] == "uploaded"
            assert activity["sha256"] == row.sha256 and activity["size_bytes"] == len(row.fit or b"")
            assert activity["object_key"] == object_key(activity["user_id"], activity["id"])
            assert activity["legacy_source"].endswith(".public.activities")
        else:
            assert imported["outcome"] == "duplicate"
            assert imported["activity_id"] == activities[str(row.duplicate_of)]["id"]
    for activity in list(activities.values())[:5]:
        body = client.get_object(Bucket=s3_bucket.bucket, Key=activity["object_key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == activity["sha256"]
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.outbox") == expected.migrated

    # Write-back: key, status and checksum on every migrated or linked row; the file bytes are untouched.
    conn = await asyncpg.connect(legacy.dsn)
    try:
        written = {
            str(r["id"]): r
            for r in await conn.fetch(
                "SELECT id, fit_file_key, fit_file_status, fit_file_checksum FROM activities"
            )
        }
    finally:
        await conn.close()
    for row in legacy.rows:
        back = written[str(row.id)]
        if str(row.id) in expected.failed:
            assert back["fit_file_key"] is None
        else:
            holder = activities[str(row.duplicate_of or row.id)]
            assert (back["fit_file_key"], back["fit_file_status"], back["fit_file_checksum"]) == (
                holder["object_key"], "migrated", row.sha256
            )  # fmt: skip
    assert await legacy_snapshot(legacy.dsn) == source_before
    assert {p: p.read_bytes() for p in legacy.files_dir.rglob("*") if p.is_file()} == files_before

    # A second run migrates nothing and says so; the failures are reported again.
    again = await migrate(parts, legacy, write_back=True)
    assert (again.migrated, again.duplicates, again.queued, again.bytes) == (0, 0, 0, 0)
    assert again.already_migrated == expected.migrated + expected.duplicates
    assert {f.legacy_id for f in again.failures} == set(expected.failed)
    assert len(bucket_keys(parts, s3_bucket)) == expected.migrated
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.outbox") == expected.migrated


async def test_dry_run_counts_without_writing(
    parts: Components, small_legacy: LegacyDataset, s3_bucket: Any
) -> None:
    report = await migrate(parts, small_legacy, dry_run=True)
    assert report.dry_run
    assert (report.migrated, report.duplicates, report.failed) == (
        small_legacy.expected.migrated, small_legacy.expected.duplicates, len(small_legacy.expected.failed)
    )  # fmt: skip
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities") == 0
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.legacy_imports") == 0
    assert bucket_keys(parts, s3_bucket) == set()


async def test_no_analyze_then_a_later_run_queues_them(
    parts: Components, small_legacy: LegacyDataset
) -> None:
    first = await migrate(parts, small_legacy, analyze=False)
    assert first.queued == 0 and first.migrated == small_legacy.expected.migrated
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.outbox") == 0
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities WHERE status = 'uploaded'") == (
        small_legacy.expected.migrated
    )
    second = await migrate(parts, small_legacy)
    assert (second.migrated, second.queued) == (0, small_legacy.expected.migrated)
    third = await migrate(parts, small_legacy)
    assert third.queued == 0
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.outbox") == small_legacy.expected.migrated


async def test_folder_of_files_for_one_user_and_a_duplicate_of_a_table_row(
    parts: Components, small_legacy: LegacyDataset, tmp_path: Path
) -> None:
    await migrate(parts, small_legacy, analyze=False)
    folder = tmp_path / "loose"
    expected = legacy_folder(folder, small_legacy)
    owner = small_legacy.rows[0].legacy_user
    report = await migrate(parts, None, folder=folder, folder_user=owner, user_map_csv="", analyze=False)
    assert (report.total, report.migrated, report.duplicates, report.failed) == (
        6, expected["migrated"], expected["duplicates"], 0
    )  # fmt: skip
    names = {
        r["legacy_id"]: r["file_name"]
        for r in await parts.pool.fetch(
            "SELECT legacy_id, file_name FROM upload.activities WHERE legacy_source LIKE 'dir:%'"
        )
    }
    assert names["ride-1.fit.gz"] == "ride-1.fit" and names["swim-2.FIT.zz"] == "swim-2.FIT"
    assert "older/copy-of" not in " ".join(names)  # the duplicate made no activity


async def test_the_owners_interrupted_upload_of_the_same_bytes_is_completed(
    parts: Components, small_legacy: LegacyDataset, s3_bucket: Any
) -> None:
    twins = {r.duplicate_of for r in small_legacy.rows}  # rows with a duplicate would race it for the link
    row = next(r for r in small_legacy.rows if r.storage == "gzip" and r.id not in twins)
    ticket = await parts.service.create_upload(row.legacy_user, "mine.fit", len(row.fit or b""), row.sha256)
    report = await migrate(parts, small_legacy, analyze=False)
    assert report.migrated == small_legacy.expected.migrated
    activity = await parts.pool.fetchrow(
        "SELECT status, legacy_id, object_key FROM upload.activities WHERE id = $1",
        uuid.UUID(ticket.activity_id),
    )
    assert (activity["status"], activity["legacy_id"]) == ("uploaded", str(row.id))
    body = s3_bucket.credentials.client().get_object(Bucket=s3_bucket.bucket, Key=activity["object_key"])
    assert hashlib.sha256(body["Body"].read()).hexdigest() == row.sha256


async def test_a_copy_left_by_an_interrupted_run_is_overwritten_not_doubled(
    parts: Components, small_legacy: LegacyDataset, s3_bucket: Any
) -> None:
    # The state a kill between the PUT and the commit leaves: the object under the row's derived key, no row.
    row = next(r for r in small_legacy.rows if r.storage == "zlib" and r.duplicate_of is None)
    user = small_legacy.user_id(row)
    assert user is not None
    source = f"{small_legacy.dsn.rsplit('/', 1)[-1]}.public.activities"
    key = object_key(user, derived_activity_id(source, str(row.id)))
    s3_bucket.credentials.client().put_object(
        Bucket=s3_bucket.bucket, Key=key, Body=b"half of what was there"
    )
    report = await migrate(parts, small_legacy, analyze=False)
    assert report.migrated == small_legacy.expected.migrated
    assert len(bucket_keys(parts, s3_bucket)) == small_legacy.expected.migrated
    body = s3_bucket.credentials.client().get_object(Bucket=s3_bucket.bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == row.sha256


async def test_without_the_user_map_integer_users_are_reported_not_guessed(
    parts: Components, small_legacy: LegacyDataset
) -> None:
    report = await migrate(parts, small_legacy, user_map_csv="", dry_run=True)
    unmapped = {f.legacy_id: f.reason for f in report.failures if "no mapping" in f.reason}
    integer_users = {str(r.id): r.legacy_user for r in small_legacy.rows if "-" not in r.legacy_user}
    assert set(unmapped) == set(integer_users)
    assert all(f"legacy user {integer_users[i]!r}" in reason for i, reason in unmapped.items())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "legacy_dsn"),
        ({"tables": [TableSpec("activities")], "from_dir": "/tmp"}, "tables need"),
        (
            {"dsn": "postgresql://x@127.0.0.1:1/none", "user_map_csv": "a,b", "user_map_query": "select"},
            "not both",
        ),
        ({"from_dir": "/nonexistent/folder"}, "not a folder"),
        ({"dsn": "postgresql://nobody:secret@127.0.0.1:1/none"}, "cannot connect"),
        ({"from_dir": "/", "user_map_csv": "1,not-a-uuid\n2,also-not"}, "line 2"),
    ],
)
async def test_bad_requests_get_a_clear_error(options: dict[str, Any], message: str) -> None:
    from fitcoach_runtime.errors import DomainError

    arguments = {
        "dsn": "",
        "tables": [],
        "from_dir": "",
        "files_root": "",
        "user_map_csv": "",
        "user_map_query": "",
    }
    with pytest.raises(DomainError) as caught:
        async with contextlib.AsyncExitStack() as resources:
            await open_sources(resources, **(arguments | options))
    assert message in caught.value.message
    assert "secret" not in caught.value.message


def test_compression_is_detected_by_magic_bytes_and_bounded() -> None:
    import bz2
    import gzip
    import lzma
    import zlib

    fit = fixture_path("run-fenix2-gps-hr.fit").read_bytes()
    for kind, packed in [("gzip", gzip.compress(fit)), ("zlib", zlib.compress(fit)), ("bzip2", bz2.compress(fit)),
                         ("xz", lzma.compress(fit)), ("raw", fit)]:  # fmt: skip
        assert decompress(packed, len(fit)) == (fit, kind)
    with pytest.raises(ItemFailed, match="more than"):
        decompress(gzip.compress(b"\0" * 10_000_000), 1_000_000)  # a decompression bomb stops at the limit
    with pytest.raises(ItemFailed, match="corrupt zlib data"):
        decompress(zlib.compress(fit)[:100], 10**7)
    assert UserMap({"7": str(uuid.UUID(int=7))}).resolve("7") == str(uuid.UUID(int=7))


async def test_migration_runs_are_listed_with_their_state(
    parts: Components, small_legacy: LegacyDataset
) -> None:
    from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
    from upload_service.ops_servicer import UploadOpsServicer
    from upload_service.repository import MigrationRepository

    report = await migrate(parts, small_legacy, dry_run=True)
    repository = MigrationRepository(parts.pool)
    # A run whose process died long ago: started, never finished, no heartbeat for a minute.
    await repository.start_run(str(uuid.uuid4()), "op-2", "legacy db", False)
    await parts.pool.execute(
        "UPDATE upload.migration_runs SET started_at = now() - interval '2 minutes', "
        "heartbeat_at = now() - interval '1 minute' WHERE operator_id = 'op-2'"
    )
    servicer = UploadOpsServicer(parts.migration, repository)
    listed = await servicer.ListMigrationRuns(ops_pb.ListMigrationRunsRequest(), None)  # type: ignore[arg-type]
    finished, interrupted = listed.runs
    assert (finished.run_id, finished.state, finished.operator_id) == (report.run_id, "finished", "op")
    assert (
        finished.report.dry_run and finished.report.total == report.total and finished.HasField("finished_at")
    )
    assert interrupted.state == "interrupted" and not interrupted.HasField("finished_at")
