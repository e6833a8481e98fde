"""UploadService through the real gRPC server (port 0), authenticated with dev tokens."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable

import grpc
import httpx
import pytest
from fitcoach.upload.v1 import events_pb2, upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED, connect_nats
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_runtime.grpc_server import ServiceResources
from fitcoach_runtime.settings import NatsSettings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from upload_service.main import SERVICE_NAME, build
from upload_service.settings import UploadSettings

Metadata = tuple[tuple[str, str], ...]


@pytest.fixture
def token(upload_settings: UploadSettings) -> Callable[[str], Metadata]:
    """Call metadata with a dev token for a user, signed with the service's secret and issuer."""
    auth = upload_settings.auth
    return lambda user_id: bearer(mint_dev_token(auth.jwt_secret, issuer=auth.issuer, user_id=user_id))


@pytest.fixture
async def channel(upload_settings: UploadSettings) -> AsyncIterator[grpc.aio.Channel]:
    async with ServiceResources() as resources:
        server = await build(resources, upload_settings)
        async with insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield channel


async def test_upload_through_grpc(channel, upload_settings, user_id, token):
    stub = upload_service_pb2_grpc.UploadServiceStub(channel)
    body = os.urandom(3000)
    sha256 = hashlib.sha256(body).hexdigest()
    nc = await connect_nats(NatsSettings(url=upload_settings.nats.url), "test")
    try:
        sub = await nc.jetstream().subscribe(SUBJECT_UPLOAD_COMPLETED, stream=upload_settings.nats.stream)
        created = await stub.CreateUpload(
            upload_service_pb2.CreateUploadRequest(file_name="run.fit", size_bytes=len(body), sha256=sha256),
            metadata=token(user_id),
            timeout=10,
        )
        assert not created.duplicate and created.upload_url and created.HasField("expires_at")
        async with httpx.AsyncClient() as http:
            response = await http.put(created.upload_url, content=body, headers=dict(created.upload_headers))
        assert response.status_code == 200, response.text

        # Another user cannot complete (or learn about) the activity.
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.CompleteUpload(
                upload_service_pb2.CompleteUploadRequest(activity_id=created.activity_id),
                metadata=token(str(uuid.uuid4())),
                timeout=10,
            )
        assert denied.value.code() == grpc.StatusCode.NOT_FOUND

        done = await stub.CompleteUpload(
            upload_service_pb2.CompleteUploadRequest(activity_id=created.activity_id),
            metadata=token(user_id),
            timeout=10,
        )
        assert (done.activity_id, done.status) == (created.activity_id, "uploaded")

        # The service's own relay publishes the event.
        msg = await sub.next_msg(timeout=5)
        assert events_pb2.UploadCompleted.FromString(msg.data).activity_id == created.activity_id

        again = await stub.CreateUpload(
            upload_service_pb2.CreateUploadRequest(file_name="run.fit", size_bytes=len(body), sha256=sha256),
            metadata=token(user_id),
            timeout=10,
        )
        assert again.duplicate and again.activity_id == created.activity_id and not again.upload_url
    finally:
        await nc.close()


async def test_rejects_calls_without_a_valid_token(channel, upload_settings, user_id):
    stub = upload_service_pb2_grpc.UploadServiceStub(channel)
    auth = upload_settings.auth
    bad_credentials = {
        "no token": (),
        "not a JWT": (("authorization", "Bearer not-a-jwt"),),
        "other secret": bearer(
            mint_dev_token("another-secret-of-at-least-32-characters!", issuer=auth.issuer)
        ),
        "expired": bearer(mint_dev_token(auth.jwt_secret, issuer=auth.issuer, user_id=user_id, ttl_s=-60)),
    }
    for name, metadata in bad_credentials.items():
        for call, request in (
            (
                stub.CreateUpload,
                upload_service_pb2.CreateUploadRequest(file_name="a", size_bytes=1, sha256="a" * 64),
            ),
            (stub.CompleteUpload, upload_service_pb2.CompleteUploadRequest(activity_id=str(uuid.uuid4()))),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await call(request, metadata=metadata, timeout=10)
            assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED, name


async def test_errors_map_to_status_codes(channel, user_id, token):
    stub = upload_service_pb2_grpc.UploadServiceStub(channel)
    cases = [
        (
            stub.CreateUpload(
                upload_service_pb2.CreateUploadRequest(size_bytes=50 * 1024 * 1024 + 1, sha256="a" * 64),
                metadata=token(user_id),
                timeout=10,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            stub.CompleteUpload(
                upload_service_pb2.CompleteUploadRequest(activity_id=str(uuid.uuid4())),
                metadata=token(user_id),
                timeout=10,
            ),
            grpc.StatusCode.NOT_FOUND,
        ),
    ]
    for call, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call
        assert error.value.code() == code
    created = await stub.CreateUpload(
        upload_service_pb2.CreateUploadRequest(file_name="a.fit", size_bytes=10, sha256="c" * 64),
        metadata=token(user_id),
        timeout=10,
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.CompleteUpload(
            upload_service_pb2.CompleteUploadRequest(activity_id=created.activity_id),
            metadata=token(user_id),
            timeout=10,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.value.details() == "object not uploaded"


async def test_health_is_public_and_serving(channel):
    health = health_pb2_grpc.HealthStub(channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
