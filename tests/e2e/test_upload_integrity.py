"""Catalogue items 16 and 17 through the gateway, the upload service, the store and the analyzer.

16: a file over the size limit is refused at CreateUpload; a body of another length than the signed one is
refused by the store and cannot be completed. 17: bytes that differ from the declared sha256 are refused by
the store (SeaweedFS checks the signed x-amz-checksum-sha256); when they reach the bucket anyway (a store that
does not check, or a writer holding the bucket's keys) the analyzer's own check fails the activity with a
reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_runtime.storage import object_key
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_FILE = "run-fenix2-gps-hr.fit"
DEFAULT_LIMIT = 50 * 1024 * 1024  # MAX_UPLOAD_BYTES is not set for the session stack
FINAL_TIMEOUT_S = 60


async def _create(
    channel: grpc.aio.Channel, token: str, data: bytes, *, size: int | None = None
) -> up_pb.CreateUploadResponse:
    request = up_pb.CreateUploadRequest(
        file_name="run.fit",
        size_bytes=len(data) if size is None else size,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return await up_grpc.UploadServiceStub(channel).CreateUpload(request, metadata=bearer(token), timeout=10)


async def _complete(channel: grpc.aio.Channel, token: str, activity_id: str) -> up_pb.CompleteUploadResponse:
    return await up_grpc.UploadServiceStub(channel).CompleteUpload(
        up_pb.CompleteUploadRequest(activity_id=activity_id), metadata=bearer(token), timeout=10
    )


async def _put(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.put(url, content=body, headers=headers)


async def _listed(channel: grpc.aio.Channel, token: str) -> list[act_pb.Activity]:
    reply = await act_grpc.ActivityServiceStub(channel).ListActivities(
        act_pb.ListActivitiesRequest(page_size=100), metadata=bearer(token), timeout=10
    )
    return list(reply.activities)


async def _complete_refused(channel: grpc.aio.Channel, token: str, activity_id: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _complete(channel, token, activity_id)
    return refused.value


async def test_over_the_size_limit_is_refused_at_create_upload(stack: Stack) -> None:
    token = stack.token(str(uuid.uuid4()))
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _create(channel, token, b"any bytes", size=DEFAULT_LIMIT + 1)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert str(DEFAULT_LIMIT) in refused.value.details()
        assert await _listed(channel, token) == []  # no activity, no URL, nothing to sweep later
        # Exactly the limit is fine: the check is on the declared size, not on something else.
        at_limit = await _create(channel, token, b"other bytes", size=DEFAULT_LIMIT)
        assert at_limit.upload_url and at_limit.upload_headers["Content-Length"] == str(DEFAULT_LIMIT)


@pytest.mark.parametrize("delta", [+1, -1], ids=["longer", "shorter"])
async def test_body_of_another_length_than_signed_is_refused_and_cannot_be_completed(
    stack: Stack, delta: int
) -> None:
    token = stack.token(str(uuid.uuid4()))
    data = fixture_path(RUN_FILE).read_bytes()
    body = data + b"\0" if delta > 0 else data[:-1]
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        created = await _create(channel, token, data)
        # An honest HTTP client sends the body's real length, which differs from the signed Content-Length.
        headers = {k: v for k, v in created.upload_headers.items() if k.lower() != "content-length"}
        response = await _put(created.upload_url, body, headers)
        assert response.status_code == 403, response.text[:300]
        refused = await _complete_refused(channel, token, created.activity_id)
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert refused.details() == "object not uploaded"


async def test_bytes_differing_from_the_declared_sha256_are_refused_by_the_store(stack: Stack) -> None:
    token = stack.token(str(uuid.uuid4()))
    data = fixture_path(RUN_FILE).read_bytes()
    other = _flip_one_byte(data)
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        created = await _create(channel, token, data)
        response = await _put(created.upload_url, other, dict(created.upload_headers))
        # The signature holds (same headers), the bytes don't match the signed checksum: 400 BadDigest.
        assert response.status_code == 400 and "<Code>BadDigest</Code>" in response.text, response.text[:300]
        refused = await _complete_refused(channel, token, created.activity_id)
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        # The right bytes still go through the same URL afterwards.
        assert (await _put(created.upload_url, data, dict(created.upload_headers))).status_code == 200


async def test_bytes_that_bypassed_the_store_check_fail_the_activity_at_the_analyzer(stack: Stack) -> None:
    user = str(uuid.uuid4())
    token = stack.token(user)
    data = fixture_path(RUN_FILE).read_bytes()
    other = _flip_one_byte(data)  # same length, so CompleteUpload's size check passes
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        created = await _create(channel, token, data)
        # A writer with the bucket's keys (or a store that ignores the checksum header) puts other bytes.
        await asyncio.to_thread(_put_directly, stack, object_key(user, created.activity_id), other)
        done = await _complete(channel, token, created.activity_id)
        assert done.status == "uploaded"
        activity = await _until_final(channel, token, created.activity_id)
    assert activity.status == act_pb.ACTIVITY_STATUS_FAILED
    assert activity.failure_reason == "file does not match its declared sha256"
    assert activity.times.HasField("failed_at")
    assert not activity.HasField("summary") or activity.summary.distance_m == 0  # no metrics from these bytes


def _flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def _put_directly(stack: Stack, key: str, body: bytes) -> None:
    client = stack.s3_credentials.client()
    try:
        client.put_object(Bucket=stack.bucket, Key=key, Body=body)
    finally:
        client.close()


async def _until_final(channel: grpc.aio.Channel, token: str, activity_id: str) -> act_pb.Activity:
    stub = act_grpc.ActivityServiceStub(channel)
    deadline = time.monotonic() + FINAL_TIMEOUT_S
    while True:
        reply = await stub.GetActivity(
            act_pb.GetActivityRequest(activity_id=activity_id), metadata=bearer(token), timeout=10
        )
        activity = reply.activity
        if activity.status in (act_pb.ACTIVITY_STATUS_FAILED, act_pb.ACTIVITY_STATUS_ANALYZED):
            return activity
        assert time.monotonic() < deadline, activity
        await asyncio.sleep(0.1)
