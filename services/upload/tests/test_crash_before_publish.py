"""Catalogue items 3 and 4 with a real process: `python -m upload_service` SIGKILLed around a publish.

Item 3, killed between commit and publish: CompleteUpload commits the activity and its outbox row in one
transaction; NATS is down, so the relay cannot publish before the process is killed. The next process's relay
publishes the event: nothing is lost.

Item 4, killed between publish and mark: the relay's transaction has published the event but cannot mark its
row (the test holds a lock that blocks the UPDATE) when the process is killed, so the mark is rolled back. The
next process's relay publishes the event again with the same Nats-Msg-Id, and JetStream keeps one message.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import nats
from fitcoach.upload.v1 import events_pb2, upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer, insecure_channel

if TYPE_CHECKING:
    from fitcoach_stack.service_process import ServiceProcess

STREAM = "FITCOACH_UPLOADS"  # NATS_STREAM in conftest's upload_env


async def _unpublished(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT id::text FROM upload.outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def test_killed_between_commit_and_publish_the_next_process_publishes(
    upload_env: dict[str, str],
    database_url: str,
    nats_server: Any,
    user_id: str,
    tmp_path: Path,
    service_processes: Callable[..., ServiceProcess],
) -> None:
    env = {**upload_env, "OUTBOX_PUBLISH_TIMEOUT_S": "0.5"}
    token = bearer(
        mint_dev_token(env["SUPABASE_JWT_SECRET"], issuer=env["SUPABASE_URL"] + "/auth/v1", user_id=user_id)
    )
    body = os.urandom(4000)
    upload = service_processes("upload", env, tmp_path / "upload.log")
    try:
        async with insecure_channel(f"127.0.0.1:{await upload.start()}") as channel:
            stub = upload_service_pb2_grpc.UploadServiceStub(channel)
            created = await stub.CreateUpload(
                upload_service_pb2.CreateUploadRequest(
                    file_name="run.fit", size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest()
                ),
                metadata=token,
                timeout=10,
            )
            async with httpx.AsyncClient(timeout=10) as http:
                put = await http.put(created.upload_url, content=body, headers=dict(created.upload_headers))
            assert put.status_code == 200, put.text
            await asyncio.to_thread(nats_server.stop)  # the relay cannot publish from here on
            done = await stub.CompleteUpload(
                upload_service_pb2.CompleteUploadRequest(activity_id=created.activity_id),
                metadata=token,
                timeout=10,
            )
            assert done.status == "uploaded"
        await asyncio.sleep(1.0)  # the relay is woken, tries, and fails meanwhile
        [event_id] = await _unpublished(database_url)  # committed with the state change
    finally:
        upload.kill()  # dies before anything was published

    await asyncio.to_thread(nats_server.start)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        assert (await js.stream_info(STREAM)).state.messages == 0
        await _next_process_publishes_everything(upload, database_url)
        assert (await js.stream_info(STREAM)).state.messages == 1
        stored = await js.get_msg(STREAM, 1)
        assert stored.headers["Nats-Msg-Id"] == event_id
        assert events_pb2.UploadCompleted.FromString(stored.data).activity_id == created.activity_id
    finally:
        await nc.close()


async def _next_process_publishes_everything(process: ServiceProcess, database_url: str) -> None:
    """Start the service again; its relay empties the outbox; then it stops cleanly on SIGTERM."""
    await process.start()
    deadline = time.monotonic() + 15
    while await _unpublished(database_url):
        assert time.monotonic() < deadline, process.tail()
        await asyncio.sleep(0.05)
    process.send(signal.SIGTERM)
    # Idle, it stops in about a second; the bound only keeps a hung stop from holding the test.
    assert await process.exit_code(within_s=30) == 0, process.tail()


async def _waiting_on_a_lock(conn: asyncpg.Connection, statement: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
            statement + "%",
        )
    )


async def test_relay_killed_between_publish_and_mark_republishes_once(
    upload_env: dict[str, str],
    database_url: str,
    parts: Any,
    user_id: str,
    make_file: Any,
    put: Any,
    upload_process: ServiceProcess,
) -> None:
    # An upload completed while no relay ran (the committed, unpublished state item 3 leaves behind).
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    await parts.service.complete_upload(user_id, ticket.activity_id)
    [event_id] = await _unpublished(database_url)

    blocker = await asyncpg.connect(database_url)
    try:
        # SHARE mode lets the relay lock its row (SELECT ... FOR UPDATE) but blocks its UPDATE marking it.
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE upload.outbox IN SHARE MODE")
        try:
            await upload_process.start()
            deadline = time.monotonic() + 20
            # Published (the stream has it) and stuck marking it: the moment to die.
            while not (
                await _stream_messages(parts) == 1
                and await _waiting_on_a_lock(blocker, "UPDATE upload.outbox SET published_at")
            ):
                assert time.monotonic() < deadline and upload_process.running(), upload_process.tail()
                await asyncio.sleep(0.05)
        finally:
            upload_process.kill()
        await transaction.commit()  # the dead relay's UPDATE runs, but its transaction never commits
    finally:
        await blocker.close()
    assert await _unpublished(database_url) == [event_id]  # the mark was lost with the process
    assert await _stream_messages(parts) == 1

    await _next_process_publishes_everything(upload_process, database_url)
    # Published twice with one Nats-Msg-Id: JetStream kept one message.
    assert await _stream_messages(parts) == 1
    stored = await parts.js.get_msg(STREAM, 1)
    assert stored.headers["Nats-Msg-Id"] == event_id
    assert events_pb2.UploadCompleted.FromString(stored.data).activity_id == ticket.activity_id


async def _stream_messages(parts: Any) -> int:
    return int((await parts.js.stream_info(STREAM)).state.messages)
