"""Catalogue item 3 with a real process: `python -m upload_service` killed between commit and publish.

CompleteUpload commits the activity and its outbox row in one transaction; NATS is down, so the relay cannot
publish before the process is SIGKILLed. The next process's relay publishes the event: nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import time
from typing import TYPE_CHECKING

import asyncpg
import httpx
import nats
from fitcoach.upload.v1 import events_pb2, upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer, insecure_channel

if TYPE_CHECKING:
    from conftest import UploadProcess

STREAM = "FITCOACH_UPLOADS"  # NATS_STREAM in conftest's upload_env


async def _unpublished(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT id::text FROM upload.outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def test_killed_between_commit_and_publish_the_next_process_publishes(
    upload_process: UploadProcess, database_url: str, nats_server, user_id: str
) -> None:
    upload_process.env["OUTBOX_PUBLISH_TIMEOUT_S"] = "0.5"
    env = upload_process.env
    token = bearer(
        mint_dev_token(env["SUPABASE_JWT_SECRET"], issuer=env["SUPABASE_URL"] + "/auth/v1", user_id=user_id)
    )
    body = os.urandom(4000)
    try:
        async with insecure_channel(f"127.0.0.1:{await upload_process.start()}") as channel:
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
        upload_process.kill()  # dies before anything was published

    await asyncio.to_thread(nats_server.start)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        assert (await js.stream_info(STREAM)).state.messages == 0
        await upload_process.start()
        second = upload_process.process
        assert second is not None
        deadline = time.monotonic() + 15
        while await _unpublished(database_url):
            assert time.monotonic() < deadline, upload_process.tail()
            await asyncio.sleep(0.05)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 15) == 0, upload_process.tail()
        assert (await js.stream_info(STREAM)).state.messages == 1
        stored = await js.get_msg(STREAM, 1)
        assert stored.headers["Nats-Msg-Id"] == event_id
        assert events_pb2.UploadCompleted.FromString(stored.data).activity_id == created.activity_id
    finally:
        await nc.close()
