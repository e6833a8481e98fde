"""End to end through the Envoy gateway: real PostgreSQL, NATS, SeaweedFS, Envoy and the three services.

A real fixture file goes CreateUpload → PUT (presigned, straight to the store) → CompleteUpload → analyzed
with advice, once over native gRPC and once over gRPC-web — the two transports the gateway serves.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.advisor.v1 import advisor_service_pb2 as adv_pb
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as adv_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.stack import Stack
from support import grpc_web
from support.buf import buf_curl

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_FILE = "run-fenix2-gps-hr.fit"
RIDE_FILE = "cycle-indoor-trainer-edge800.fit"
BROKEN_FILE = "broken-truncated.fit"
SUMMARY = json.loads((fixture_path(RUN_FILE).parent / "SUMMARY.json").read_text())
FINAL_TIMEOUT_S = 120
BUF_TIMEOUT_S = 60


def _new_user() -> str:
    return str(uuid.uuid4())


def _create_request(path: Path) -> up_pb.CreateUploadRequest:
    data = path.read_bytes()
    return up_pb.CreateUploadRequest(
        file_name=path.name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def _put(created: up_pb.CreateUploadResponse, data: bytes) -> httpx.Response:
    return httpx.put(created.upload_url, content=data, headers=dict(created.upload_headers), timeout=30)


async def _upload_native(channel: grpc.aio.Channel, token: str, path: Path) -> str:
    stub = up_grpc.UploadServiceStub(channel)
    created = await stub.CreateUpload(_create_request(path), metadata=bearer(token), timeout=10)
    assert not created.duplicate and created.upload_url
    response = await asyncio.to_thread(lambda: _put(created, path.read_bytes()))
    assert response.status_code == 200, response.text
    done = await stub.CompleteUpload(
        up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(token), timeout=10
    )
    assert done.activity_id == created.activity_id
    return created.activity_id


async def _watch_until_final(channel: grpc.aio.Channel, token: str, activity_id: str) -> list[int]:
    """Follow WatchActivity until failed, or analyzed with the advice settled; returns the statuses seen."""
    stub = act_grpc.ActivityServiceStub(channel)
    seen: list[int] = []
    deadline = time.monotonic() + FINAL_TIMEOUT_S
    while time.monotonic() < deadline:
        call = stub.WatchActivity(
            act_pb.WatchActivityRequest(activity_id=activity_id),
            metadata=bearer(token),
            timeout=FINAL_TIMEOUT_S,
        )
        async for change in call:
            seen.append(change.status)
            if change.status in (act_pb.ACTIVITY_STATUS_FAILED, act_pb.ACTIVITY_STATUS_DUPLICATE):
                return seen
            if change.status == act_pb.ACTIVITY_STATUS_ANALYZED and change.advice_status in (
                act_pb.ADVICE_STATUS_READY,
                act_pb.ADVICE_STATUS_FAILED,
            ):
                return seen
    raise AssertionError(f"{activity_id} reached no final state; seen {seen}")


async def _get(channel: grpc.aio.Channel, token: str, activity_id: str) -> act_pb.Activity:
    stub = act_grpc.ActivityServiceStub(channel)
    reply = await stub.GetActivity(
        act_pb.GetActivityRequest(activity_id=activity_id), metadata=bearer(token), timeout=10
    )
    return reply.activity


def _device_session(name: str) -> dict:
    return SUMMARY[name]["sessions"][0]


async def test_run_file_is_analyzed_with_advice_over_native_grpc(stack: Stack) -> None:
    token = stack.token(_new_user())
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        activity_id = await _upload_native(channel, token, fixture_path(RUN_FILE))
        seen = await _watch_until_final(channel, token, activity_id)
        activity = await _get(channel, token, activity_id)

    assert activity.status == act_pb.ACTIVITY_STATUS_ANALYZED, (seen, activity.failure_reason)
    assert act_pb.ACTIVITY_STATUS_ANALYZED in seen
    device = _device_session(RUN_FILE)
    assert activity.summary.distance_m == pytest.approx(device["total_distance"], rel=0.005)
    assert activity.summary.timer_time_s == pytest.approx(device["total_timer_time"], abs=2)
    assert activity.summary.HasField("avg_hr_bpm")  # the fenix 2 session has none: computed from records
    assert activity.record_count == SUMMARY[RUN_FILE]["record_count"]
    assert activity.sessions and activity.sessions[0].sport == "running"
    assert activity.analyzer_version
    assert activity.advice_status == act_pb.ADVICE_STATUS_READY
    assert activity.advice.summary and activity.advice.next_session
    assert activity.advice.engine == adv_pb.ENGINE_OFFLINE  # no GEMINI_API_KEY in tests
    times = activity.times
    assert (
        times.created_at.seconds
        <= times.uploaded_at.seconds
        <= times.analyzed_at.seconds
        <= times.advised_at.seconds
    )


def test_ride_file_is_analyzed_over_grpc_web(stack: Stack) -> None:
    token = stack.token(_new_user())
    path = fixture_path(RIDE_FILE)
    base = stack.gateway_url
    created_call = grpc_web.call(
        base, "/fitcoach.upload.v1.UploadService/CreateUpload", _create_request(path), token=token
    )
    assert created_call.status == 0, created_call.message
    created = up_pb.CreateUploadResponse.FromString(created_call.payloads[0])
    assert _put(created, path.read_bytes()).status_code == 200
    completed = grpc_web.call(
        base,
        "/fitcoach.upload.v1.UploadService/CompleteUpload",
        up_pb.CompleteUploadRequest(activity_id=created.activity_id),
        token=token,
    )
    assert completed.status == 0, completed.message

    deadline = time.monotonic() + FINAL_TIMEOUT_S
    while True:
        got = grpc_web.call(
            base,
            "/fitcoach.activity.v1.ActivityService/GetActivity",
            act_pb.GetActivityRequest(activity_id=created.activity_id),
            token=token,
        )
        assert got.status == 0, got.message
        activity = act_pb.GetActivityResponse.FromString(got.payloads[0]).activity
        settled = (
            activity.status == act_pb.ACTIVITY_STATUS_ANALYZED
            and activity.advice_status == act_pb.ADVICE_STATUS_READY
        )
        if settled or activity.status == act_pb.ACTIVITY_STATUS_FAILED or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert activity.status == act_pb.ACTIVITY_STATUS_ANALYZED, activity.failure_reason
    device = _device_session(RIDE_FILE)
    assert activity.summary.avg_power_w == pytest.approx(device["avg_power"], rel=0.01)
    assert activity.advice.summary


async def test_broken_file_fails_with_reason_while_good_file_beside_it_succeeds(stack: Stack) -> None:
    token = stack.token(_new_user())
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        broken_id, good_id = await asyncio.gather(
            _upload_native(channel, token, fixture_path(BROKEN_FILE)),
            _upload_native(channel, token, fixture_path(RIDE_FILE)),
        )
        await asyncio.gather(
            _watch_until_final(channel, token, broken_id), _watch_until_final(channel, token, good_id)
        )
        broken, good = await _get(channel, token, broken_id), await _get(channel, token, good_id)
    assert broken.status == act_pb.ACTIVITY_STATUS_FAILED
    assert "not a valid FIT file" in broken.failure_reason
    assert good.status == act_pb.ACTIVITY_STATUS_ANALYZED


async def test_another_user_cannot_see_complete_or_watch_an_activity(stack: Stack) -> None:
    owner, intruder = stack.token(_new_user()), stack.token(_new_user())
    path = fixture_path(RUN_FILE)
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        uploads, activities = up_grpc.UploadServiceStub(channel), act_grpc.ActivityServiceStub(channel)
        created = await uploads.CreateUpload(_create_request(path), metadata=bearer(owner), timeout=10)
        assert (await asyncio.to_thread(_put, created, path.read_bytes())).status_code == 200
        calls = {
            "complete": uploads.CompleteUpload(
                up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(intruder)
            ),
            "get": activities.GetActivity(
                act_pb.GetActivityRequest(activity_id=created.activity_id), metadata=bearer(intruder)
            ),
        }
        for name, call in calls.items():
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND, name
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in activities.WatchActivity(
                act_pb.WatchActivityRequest(activity_id=created.activity_id), metadata=bearer(intruder)
            ):
                pass
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        listed = await activities.ListActivities(
            act_pb.ListActivitiesRequest(page_size=100), metadata=bearer(intruder)
        )
        assert created.activity_id not in {a.activity_id for a in listed.activities}
        # The owner still completes it: the intruder's attempt changed nothing.
        done = await uploads.CompleteUpload(
            up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(owner)
        )
        assert done.activity_id == created.activity_id


async def test_no_token_is_unauthenticated_through_the_gateway(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await act_grpc.ActivityServiceStub(channel).ListActivities(act_pb.ListActivitiesRequest())
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_the_advisor_is_not_forwarded_by_the_gateway_and_answers_only_its_service_token(
    stack: Stack,
) -> None:
    """AdvisorService (Gemini costs money per call) is internal: the gateway forwards no call to it, and the
    advisor itself, reached directly as the analyzer does, wants its service token, not a user's JWT."""
    request = adv_pb.GenerateAdviceRequest(
        language="en", workout=adv_pb.WorkoutNumbers(sport="running", distance_m=5000, moving_time_s=1500)
    )
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        stub = adv_grpc.AdvisorServiceStub(channel)
        refusals = {
            "no token": ((), grpc.StatusCode.UNAUTHENTICATED),
            "guessed token": (bearer("x" * 64), grpc.StatusCode.UNAUTHENTICATED),  # not even a JWT
            "the service token": (bearer(stack.advisor_service_token), grpc.StatusCode.UNAUTHENTICATED),
            "user JWT": (bearer(stack.token(_new_user())), grpc.StatusCode.UNIMPLEMENTED),  # not forwarded
        }
        for name, (metadata, code) in refusals.items():
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GenerateAdvice(request, metadata=metadata, timeout=10)
            assert refused.value.code() == code, name
    async with grpc.aio.insecure_channel(stack.service_address("advisor")) as direct:
        stub = adv_grpc.AdvisorServiceStub(direct)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GenerateAdvice(request, metadata=bearer(stack.token(_new_user())), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        # The analyzer's credential is answered: the refusal above is the advisor's check.
        reply = await stub.GenerateAdvice(request, metadata=bearer(stack.advisor_service_token), timeout=10)
    assert reply.advice.summary and reply.advice.engine == adv_pb.ENGINE_OFFLINE
    # gRPC-web (the browser's transport) is not forwarded either.
    web = await asyncio.to_thread(
        grpc_web.call,
        stack.gateway_url,
        "/fitcoach.advisor.v1.AdvisorService/GenerateAdvice",
        request,
        token=stack.token(_new_user()),
    )
    assert web.status == grpc.StatusCode.UNIMPLEMENTED.value[0], web.message


async def test_tampered_presigned_url_is_refused_by_the_store(stack: Stack) -> None:
    victim, attacker = _new_user(), _new_user()
    path = fixture_path(RUN_FILE)
    data = path.read_bytes()
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        created = await up_grpc.UploadServiceStub(channel).CreateUpload(
            _create_request(path), metadata=bearer(stack.token(attacker)), timeout=10
        )
    headers = dict(created.upload_headers)
    parts = urlsplit(created.upload_url)
    # The attacker points their signed URL at the victim's key: the signature covers the path.
    other_key = urlunsplit(parts._replace(path=parts.path.replace(attacker, victim)))
    assert other_key != created.upload_url
    forged_signature = created.upload_url[:-4] + (
        "0000" if not created.upload_url.endswith("0000") else "1111"
    )
    for url in (other_key, forged_signature):
        response = await asyncio.to_thread(httpx.put, url, content=data, headers=headers, timeout=30)
        assert response.status_code == 403, (response.status_code, response.text[:200])
    # A body longer than the signed Content-Length is refused too.
    longer = await asyncio.to_thread(
        httpx.put,
        created.upload_url,
        content=data + b"x",
        headers={**headers, "Content-Length": str(len(data) + 1)},
        timeout=30,
    )
    # Content-Length is signed: another value breaks the signature.
    assert longer.status_code == 403, (longer.status_code, longer.text[:200])


def test_buf_curl_lists_services_and_calls_list_activities_through_the_gateway(stack: Stack) -> None:
    listed = buf_curl("--list-services", stack.gateway_url, timeout_s=BUF_TIMEOUT_S)
    assert listed.returncode == 0, listed.stderr
    services = set(listed.stdout.split())
    assert {
        "fitcoach.upload.v1.UploadService",
        "fitcoach.activity.v1.ActivityService",
        "grpc.health.v1.Health",
    } <= services
    token = stack.token(_new_user())
    called = buf_curl(
        "-H", f"authorization: Bearer {token}", "-d", '{"page_size": 5}',
        f"{stack.gateway_url}/fitcoach.activity.v1.ActivityService/ListActivities", timeout_s=BUF_TIMEOUT_S,
    )  # fmt: skip
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout or "{}") == {}  # a new user has no activities: an empty response message
    refused = buf_curl(
        "-d", "{}", f"{stack.gateway_url}/fitcoach.activity.v1.ActivityService/ListActivities", timeout_s=BUF_TIMEOUT_S
    )  # fmt: skip
    assert refused.returncode != 0 and "unauthenticated" in refused.stderr.lower()


def _fitctl(stack: Stack, token: str, *args: str) -> list[dict]:
    env = {**os.environ, "FITCOACH_GATEWAY_URL": stack.gateway_url, "FITCOACH_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "fitctl", *args],
        capture_output=True,
        text=True,
        timeout=FINAL_TIMEOUT_S + 30,
        env=env,
        check=False,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert lines, result.stderr
    return lines


def test_fitctl_upload_wait_json_reports_metrics_advice_and_failures(stack: Stack) -> None:
    token = stack.token(_new_user())
    good, broken = fixture_path("run-fr70-footpod-compressed-ts.fit"), fixture_path("broken-not-a-fit.fit")
    results = {
        Path(r["file"]).name: r
        for r in _fitctl(stack, token, "upload", str(good), str(broken), "--wait", "--json")
    }
    ok = results[good.name]
    assert ok["status"] == "analyzed" and ok["error"] is None
    device = SUMMARY[good.name]["sessions"][0]
    assert ok["metrics"]["distance_m"] == pytest.approx(device["total_distance"], rel=0.005)
    assert ok["metrics"]["timer_time_s"] == pytest.approx(device["total_timer_time"], abs=2)
    assert ok["metrics"]["avg_hr_bpm"] == pytest.approx(device["avg_heart_rate"], abs=1)
    assert ok["advice"] and ok["advice"]["summary"]
    bad = results[broken.name]
    assert bad["status"] == "failed"
    assert "not a valid FIT file" in bad["error"]
