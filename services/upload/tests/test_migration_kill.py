"""Catalogue item 36: the legacy migration killed with SIGKILL mid-run and resumed → nothing lost, nothing
doubled; a run after that migrates nothing.

A real `python -m upload_service` migrates the generated legacy database (330 files, ~46 MB) through
OpsService.MigrateLegacy, with write-back on. It is SIGKILLed as soon as the run reports progress (somewhere
among the PUTs, commits and write-backs of 8 files in flight), restarted, killed again the same way, then
restarted and let finish. The final state is checked row by row against the legacy table.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import asyncpg
import grpc
import pytest
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_stack.legacy_db import LegacyDataset

if TYPE_CHECKING:
    from fitcoach_stack.service_process import ServiceProcess

pytestmark = pytest.mark.slow


def _operator(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    token = mint_dev_token(env["SUPABASE_JWT_SECRET"], issuer=env["SUPABASE_URL"] + "/auth/v1", operator=True)
    return bearer(token)


async def _progress(
    port: int, request: ops_pb.MigrateLegacyRequest, metadata: Any
) -> AsyncIterator[ops_pb.MigrationProgress]:
    async with insecure_channel(f"127.0.0.1:{port}") as channel:
        async for reply in ops_grpc.OpsServiceStub(channel).MigrateLegacy(
            request, metadata=metadata, timeout=120
        ):
            yield reply.progress


async def _killed_mid_run(process: ServiceProcess, request: ops_pb.MigrateLegacyRequest) -> int:
    """Start the service, run the migration until its first progress report, SIGKILL; returns `done` then."""
    port = await process.start()
    seen = -1
    with pytest.raises(grpc.aio.AioRpcError) as cut:
        async for progress in _progress(port, request, _operator(process.env)):
            assert not progress.final, "the run finished before it could be killed; the dataset is too small"
            seen = int(progress.done)
            process.kill()
    assert cut.value.code() == grpc.StatusCode.UNAVAILABLE
    return seen


async def test_killed_twice_mid_run_then_resumed_loses_and_doubles_nothing(
    upload_process: ServiceProcess, legacy: LegacyDataset, database_url: str, s3_bucket: Any
) -> None:
    expected = legacy.expected
    request = ops_pb.MigrateLegacyRequest(
        legacy_dsn=legacy.dsn, user_map_csv=legacy.user_map_csv, write_back=True, parallelism=8
    )
    first = await _killed_mid_run(upload_process, request)
    second = await _killed_mid_run(upload_process, request)
    assert 0 <= first < 330 and 0 <= second < 330

    port = await upload_process.start()
    final = [p async for p in _progress(port, request, _operator(upload_process.env))][-1]
    assert final.final and final.total == 330
    assert final.done == final.migrated + final.already_migrated + final.duplicates + final.failed == 330
    assert {f.legacy_id for f in final.failures} == set(expected.failed)
    # What the killed runs committed is "already migrated" now; the rest was migrated by this run.
    assert (
        final.already_migrated + final.migrated + final.duplicates == expected.migrated + expected.duplicates
    )

    conn = await asyncpg.connect(database_url)
    try:
        activities = {
            r["legacy_id"]: r
            for r in await conn.fetch(
                "SELECT id::text, user_id::text, sha256, object_key, legacy_id FROM upload.activities"
            )
        }
        imports = {
            r["legacy_id"]: r
            for r in await conn.fetch(
                "SELECT legacy_id, activity_id::text, outcome FROM upload.legacy_imports"
            )
        }
        events = [
            events_pb2.UploadCompleted.FromString(bytes(r["payload"]))
            for r in await conn.fetch("SELECT payload FROM upload.outbox")
        ]
    finally:
        await conn.close()

    # Nothing lost: every good row migrated, with its own bytes, to the right owner; duplicates linked.
    assert len(activities) == expected.migrated
    for row in legacy.rows:
        legacy_id = str(row.id)
        if legacy_id in expected.failed:
            assert legacy_id not in imports
        elif row.duplicate_of is None:
            assert activities[legacy_id]["sha256"] == row.sha256
            assert activities[legacy_id]["user_id"] == legacy.user_id(row)
            assert imports[legacy_id]["outcome"] == "migrated"
        else:
            assert imports[legacy_id]["activity_id"] == activities[str(row.duplicate_of)]["id"]
    # Nothing doubled: one object per activity (no orphan copies from the kills), one queued event each.
    client = s3_bucket.credentials.client()
    keys = {
        obj["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket.bucket)
        for obj in page.get("Contents", [])
    }
    assert keys == {a["object_key"] for a in activities.values()}
    assert sorted(e.activity_id for e in events) == sorted(a["id"] for a in activities.values())
    # Write-back finished for every migrated or linked row, including those whose commit preceded a kill.
    legacy_conn = await asyncpg.connect(legacy.dsn)
    try:
        written = {
            str(r["id"]): r["fit_file_checksum"]
            for r in await legacy_conn.fetch("SELECT id, fit_file_checksum FROM activities")
        }
    finally:
        await legacy_conn.close()
    assert {k for k, v in written.items() if v} == set(imports)

    # And once more: nothing to do.
    again = [p async for p in _progress(port, request, _operator(upload_process.env))][-1]
    assert (again.migrated, again.duplicates, again.queued) == (0, 0, 0)
    assert again.already_migrated == expected.migrated + expected.duplicates
    assert uuid.UUID(again.run_id) != uuid.UUID(final.run_id)
