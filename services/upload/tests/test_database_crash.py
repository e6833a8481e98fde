"""A PostgreSQL crash (its own server, killed): calls answer UNAVAILABLE while it is down and work again
after; the relay can still be stopped."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import grpc
import pytest
from fitcoach.upload.v1 import upload_service_pb2 as pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as pb_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_runtime.grpc_server import ServiceResources
from fitcoach_runtime.settings import load_settings
from fitcoach_stack.servers import PostgresServer
from upload_service.main import build, open_components
from upload_service.settings import UploadSettings


@pytest.fixture
def private_postgres(tmp_path: Path) -> Any:
    """A PostgreSQL of this test alone, so it can be killed."""
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    yield server
    server.stop(timeout=2)


@pytest.fixture
async def stub_and_auth(
    private_postgres: PostgresServer, upload_env: dict[str, str]
) -> AsyncIterator[tuple[pb_grpc.UploadServiceStub, tuple[tuple[str, str], ...]]]:
    settings = load_settings(UploadSettings, {**upload_env, "DATABASE_URL": private_postgres.url("postgres")})
    auth = bearer(
        mint_dev_token(settings.auth.jwt_secret, issuer=settings.auth.issuer, user_id=str(uuid.uuid4()))
    )
    async with ServiceResources() as resources:
        server = await build(resources, settings)
        async with insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield pb_grpc.UploadServiceStub(channel), auth


def _create_request() -> pb.CreateUploadRequest:
    body = os.urandom(64)
    return pb.CreateUploadRequest(
        file_name="a.fit", size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest()
    )


async def test_a_database_crash_answers_unavailable_then_calls_work_again(
    private_postgres: PostgresServer, stub_and_auth: tuple[pb_grpc.UploadServiceStub, Any]
) -> None:
    # Found by the chaos soak: these answered INTERNAL, which a client does not retry, so uploads were lost.
    stub, auth = stub_and_auth
    await stub.CreateUpload(_create_request(), metadata=auth, timeout=10)

    private_postgres.kill()
    with pytest.raises(grpc.aio.AioRpcError) as down:
        await stub.CreateUpload(_create_request(), metadata=auth, timeout=10)
    assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "temporarily unavailable" in (down.value.details() or "")

    private_postgres.start()
    # The pool's connections died with the server: the first calls may still meet a dead one (UNAVAILABLE,
    # never INTERNAL) until each is replaced.
    codes = []
    for _ in range(20):
        try:
            await stub.CreateUpload(_create_request(), metadata=auth, timeout=10)
            break
        except grpc.aio.AioRpcError as exc:
            codes.append(exc.code())
            await asyncio.sleep(0.2)
    else:
        pytest.fail(f"no call succeeded after the restart: {codes}")
    assert set(codes) <= {grpc.StatusCode.UNAVAILABLE}


async def test_the_relay_stops_when_cancelled_after_the_database_died(
    private_postgres: PostgresServer, upload_env: dict[str, str]
) -> None:
    # Found by the chaos soak's tests: the relay's listening connection died with the server, and its cleanup
    # raised InterfaceError ("released back to the pool") in place of the CancelledError, so the relay
    # swallowed the cancellation and a stopping upload service hung until killed.
    env = {**upload_env, "DATABASE_URL": private_postgres.url("postgres"), "OUTBOX_POLL_INTERVAL_S": "60"}
    async with AsyncExitStack() as resources:
        parts = await open_components(resources, load_settings(UploadSettings, env))
        relay = asyncio.create_task(parts.relay.run())
        await asyncio.sleep(0.5)  # listening, waiting for a wake-up (the poll is a minute away)
        private_postgres.kill()
        await asyncio.sleep(0.5)  # the client has seen its connections close
        relay.cancel()
        done, _ = await asyncio.wait({relay}, timeout=10)  # generous: a stop takes milliseconds
        assert relay in done, "the relay ignored its cancellation"
        assert relay.cancelled()
        private_postgres.start()  # the pool closes cleanly again
        with contextlib.suppress(asyncio.CancelledError):
            await relay
