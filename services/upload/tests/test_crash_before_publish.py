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
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from fitcoach.upload.v1 import events_pb2, upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_stack.pytest_plugin import env_for

STREAM = "FITCOACH_UPLOADS"  # NATS_STREAM in conftest's upload_env


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    with log.open("ab") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "upload_service"],
            env=env_for(env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    return process, log.stat().st_size


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _port(process: subprocess.Popen[bytes], log: Path, offset: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with log.open("rb") as f:
            f.seek(offset)
            for line in f.read().decode(errors="replace").splitlines():
                if line.startswith("{") and (record := json.loads(line))["msg"] == "upload serving":
                    return int(record["port"])
        assert process.poll() is None, _tail(log)
        await asyncio.sleep(0.05)
    raise AssertionError(_tail(log))


async def _unpublished(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT id::text FROM upload.outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def test_killed_between_commit_and_publish_the_next_process_publishes(
    upload_env: dict[str, str], database_url: str, nats_server, user_id: str, tmp_path: Path
) -> None:
    env = {**upload_env, "LOG_FORMAT": "json", "OUTBOX_PUBLISH_TIMEOUT_S": "0.5"}
    log = tmp_path / "upload.log"
    token = bearer(
        mint_dev_token(env["SUPABASE_JWT_SECRET"], issuer=env["SUPABASE_URL"] + "/auth/v1", user_id=user_id)
    )
    body = os.urandom(4000)
    first, offset = _start(env, log)
    try:
        async with insecure_channel(f"127.0.0.1:{await _port(first, log, offset)}") as channel:
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
        os.killpg(first.pid, signal.SIGKILL)  # dies before anything was published
        first.wait(timeout=20)

    await asyncio.to_thread(nats_server.start)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        assert (await js.stream_info(STREAM)).state.messages == 0
        second, offset = _start(env, log)
        try:
            await _port(second, log, offset)
            deadline = time.monotonic() + 15
            while await _unpublished(database_url):
                assert time.monotonic() < deadline, _tail(log)
                await asyncio.sleep(0.05)
            second.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(second.wait, 15) == 0, _tail(log)
        finally:
            if second.poll() is None:
                os.killpg(second.pid, signal.SIGKILL)
                second.wait(timeout=20)
        assert (await js.stream_info(STREAM)).state.messages == 1
        stored = await js.get_msg(STREAM, 1)
        assert stored.headers["Nats-Msg-Id"] == event_id
        assert events_pb2.UploadCompleted.FromString(stored.data).activity_id == created.activity_id
    finally:
        await nc.close()


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
    tmp_path: Path,
) -> None:
    env = {**upload_env, "LOG_FORMAT": "json"}
    log = tmp_path / "upload.log"
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
        first, offset = _start(env, log)
        try:
            await _port(first, log, offset)
            deadline = time.monotonic() + 20
            # Published (the stream has it) and stuck marking it: the moment to die.
            while not (
                await _stream_messages(parts) == 1
                and await _waiting_on_a_lock(blocker, "UPDATE upload.outbox SET published_at")
            ):
                assert time.monotonic() < deadline and first.poll() is None, _tail(log)
                await asyncio.sleep(0.05)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=20)
        await transaction.commit()  # the dead relay's UPDATE runs, but its transaction never commits
    finally:
        await blocker.close()
    assert await _unpublished(database_url) == [event_id]  # the mark was lost with the process
    assert await _stream_messages(parts) == 1

    second, offset = _start(env, log)
    try:
        await _port(second, log, offset)
        deadline = time.monotonic() + 15
        while await _unpublished(database_url):
            assert time.monotonic() < deadline, _tail(log)
            await asyncio.sleep(0.05)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 15) == 0, _tail(log)
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=20)
    # Published twice with one Nats-Msg-Id: JetStream kept one message.
    assert await _stream_messages(parts) == 1
    stored = await parts.js.get_msg(STREAM, 1)
    assert stored.headers["Nats-Msg-Id"] == event_id
    assert events_pb2.UploadCompleted.FromString(stored.data).activity_id == ticket.activity_id


async def _stream_messages(parts: Any) -> int:
    return int((await parts.js.stream_info(STREAM)).state.messages)
