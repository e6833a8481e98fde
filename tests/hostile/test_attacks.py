"""The attack suite (issue "Hostile clients"; catalogue 25-30) against the whole system: real services behind
the real gateway. Each finding of the outside probe is replayed here, plus half-sent requests, a burst of a
thousand body-less or unauthenticated calls beside a normal signed-in one, and one user opening watch after
watch. Every call must be answered (or cut) within a bound, with a specific status, never INTERNAL/UNKNOWN."""

from __future__ import annotations

import asyncio
import base64
import statistics
import time
import uuid

import grpc
import jwt
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.probe import H2Client, RawReply, grpc_frame, grpc_web_call
from fitcoach_stack.stack import Stack
from support.fuzz import page_token

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIST = "/fitcoach.activity.v1.ActivityService/ListActivities"
TREND = "/fitcoach.activity.v1.ActivityService/GetFitnessTrend"
CREATE = "/fitcoach.upload.v1.UploadService/CreateUpload"
ADVICE = "/fitcoach.advisor.v1.AdvisorService/GenerateAdvice"
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT.value[0]
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED.value[0]
FORBIDDEN = {grpc.StatusCode.INTERNAL.value[0], grpc.StatusCode.UNKNOWN.value[0]}
# "At once": the services answer these in milliseconds. 5 s only keeps a loaded 2-core machine (up to eight
# engineers' test runs) from failing a correct system; a hang, the bug, lasted forever.
PROMPT_S = 5.0
# The gateway's request_timeout (gateway.render_gateway): a request still incomplete then is cut.
REQUEST_TIMEOUT_S = 15.0


def signed(stack: Stack, **claims: object) -> str:
    now = int(time.time())
    body = {
        "sub": str(uuid.uuid4()), "aud": "authenticated", "role": "authenticated", "iss": stack.issuer,
        "iat": now, "exp": now + 3600, **claims,
    }  # fmt: skip
    return jwt.encode(body, stack.jwt_secret, algorithm="HS256")


async def refusal(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value.code(), info.value.details() or ""


# --- finding 1: calls that were never answered ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["gateway", "upload", "analyzer", "advisor"])
async def test_a_call_without_a_request_message_is_answered_at_once(stack: Stack, target: str) -> None:
    address = stack.gateway_address if target == "gateway" else stack.service_address(target)
    path = {"upload": CREATE, "advisor": ADVICE}.get(target, LIST)
    token = stack.advisor_service_token if target == "advisor" else stack.token()
    async with H2Client(address) as client:
        anonymous = await client.call(path, body=None, wait=PROMPT_S)
        signed_in = await client.call(path, body=None, token=token, wait=PROMPT_S)
    assert anonymous.grpc_status == UNAUTHENTICATED, anonymous
    assert (signed_in.grpc_status, signed_in.grpc_message) == (
        INVALID_ARGUMENT,
        "the call carried no request message",
    ), signed_in


async def test_grpc_web_empty_and_truncated_bodies_are_answered_at_once(stack: Stack) -> None:
    token = stack.token()
    empty = await grpc_web_call(stack.gateway_address, LIST, body=b"", token=token, wait=PROMPT_S)
    assert (empty.grpc_status, empty.grpc_message) == (
        INVALID_ARGUMENT,
        "the call carried no request message",
    )
    # A frame header promising 1 MiB followed by 10 bytes, in a complete HTTP request.
    truncated = grpc_frame(b"x" * 10, declared_length=1 << 20)
    reply = await grpc_web_call(stack.gateway_address, LIST, body=truncated, token=token, wait=PROMPT_S)
    assert reply.answered and reply.grpc_status not in FORBIDDEN, reply


# --- finding 2: INTERNAL from ordinary input -----------------------------------------------------------------


async def test_extreme_dates_and_forged_page_tokens_are_invalid_argument(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        stub = act_grpc.ActivityServiceStub(channel)
        metadata = bearer(stack.token())
        for date in ("0001-01-01", "9999-12-31", "20200101"):
            code, _ = await refusal(
                stub.GetFitnessTrend(act_pb.GetFitnessTrendRequest(end_date=date), metadata=metadata)
            )
            assert code == grpc.StatusCode.INVALID_ARGUMENT, date
        for created_at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            request = act_pb.ListActivitiesRequest(page_token=page_token(created_at, str(uuid.uuid4())))
            assert await refusal(stub.ListActivities(request, metadata=metadata)) == (
                grpc.StatusCode.INVALID_ARGUMENT,
                "page_token is not a token this service issued",
            )


@pytest.mark.parametrize("spelling", ["braces", "urn", "upper", "hex"])
async def test_a_user_id_in_another_spelling_is_one_user(stack: Stack, spelling: str) -> None:
    # `{uuid}` / `urn:uuid:` subs were INTERNAL at CreateUpload; upper case and undashed went into object keys
    # as written. Now every spelling is the canonical id, in the key and in the list.
    user = uuid.uuid4()
    sub = {"braces": f"{{{user}}}", "urn": f"urn:uuid:{user}", "upper": str(user).upper(), "hex": user.hex}[
        spelling
    ]
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        created = await up_grpc.UploadServiceStub(channel).CreateUpload(
            up_pb.CreateUploadRequest(file_name="a.fit", size_bytes=100, sha256=uuid.uuid4().hex * 2),
            metadata=bearer(signed(stack, sub=sub)), timeout=10,
        )  # fmt: skip
        assert f"/users/{user}/activities/{created.activity_id}.fit" in created.upload_url
        listed = await act_grpc.ActivityServiceStub(channel).ListActivities(
            act_pb.ListActivitiesRequest(), metadata=bearer(stack.token(str(user))), timeout=10
        )
    assert [a.activity_id for a in listed.activities] == [created.activity_id]


# --- finding 3: malformed protobuf -------------------------------------------------------------------------


async def test_a_malformed_body_is_invalid_argument_over_both_transports(stack: Stack) -> None:
    expected = (INVALID_ARGUMENT, "the request is not a valid fitcoach.activity.v1.ListActivitiesRequest")
    async with H2Client(stack.gateway_address) as client:
        native = await client.call(
            LIST, body=grpc_frame(b"\xff\xff\xff\xff"), token=stack.token(), wait=PROMPT_S
        )
    web = await grpc_web_call(
        stack.gateway_address, LIST, body=grpc_frame(b"\xff\xff\xff\xff"), token=stack.token(), wait=PROMPT_S
    )
    assert (native.grpc_status, native.grpc_message) == expected, native
    assert (web.grpc_status, web.grpc_message) == expected, web
    assert "DecodeError" not in stack.service_log("analyzer").read_text()


# --- finding 4: leaks and laxness ----------------------------------------------------------------------------


async def test_lax_tokens_are_refused_and_token_errors_name_no_library(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        stub = act_grpc.ActivityServiceStub(channel)
        for token in (
            signed(stack, exp=str(int(time.time()) + 3600)),  # exp as a numeric string
            signed(stack, exp=int(time.time()) + 10 * 365 * 86400),  # a ten-year token
        ):
            code, _ = await refusal(
                stub.ListActivities(act_pb.ListActivitiesRequest(), metadata=bearer(token))
            )
            assert code == grpc.StatusCode.UNAUTHENTICATED
    # Behind the edge, the service's own words (the gateway would refuse this before it got there).
    async with grpc.aio.insecure_channel(stack.service_address("analyzer")) as direct:
        malformed = base64.urlsafe_b64encode(b"\xff\xfe{").decode().rstrip("=") + ".e30.x"
        code, message = await refusal(
            act_grpc.ActivityServiceStub(direct).ListActivities(
                act_pb.ListActivitiesRequest(), metadata=bearer(malformed)
            )
        )
    assert (code, message) == (grpc.StatusCode.UNAUTHENTICATED, "malformed token")


async def test_sex_99_and_basic_format_dates_are_refused(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        stub = act_grpc.ActivityServiceStub(channel)
        metadata = bearer(stack.token())
        profile = act_pb.UpdateAthleteProfileRequest(profile=act_pb.AthleteProfile(sex=99))
        assert await refusal(stub.UpdateAthleteProfile(profile, metadata=metadata)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "sex must be male or female",
        )
        trend = act_pb.GetFitnessTrendRequest(start_date="20200101", end_date="2020-03-01")
        assert await refusal(stub.GetFitnessTrend(trend, metadata=metadata)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "dates must be YYYY-MM-DD",
        )


async def test_an_oversized_token_fails_only_its_own_call(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        stub = act_grpc.ActivityServiceStub(channel)
        beside = stub.ListActivities(
            act_pb.ListActivitiesRequest(), metadata=bearer(stack.token()), timeout=10
        )
        code, _ = await refusal(
            stub.ListActivities(act_pb.ListActivitiesRequest(), metadata=bearer("x" * 200_000))
        )
        assert code == grpc.StatusCode.UNAUTHENTICATED
        assert isinstance(await beside, act_pb.ListActivitiesResponse)
        after = await stub.ListActivities(
            act_pb.ListActivitiesRequest(), metadata=bearer(stack.token()), timeout=10
        )
        assert isinstance(after, act_pb.ListActivitiesResponse)


# --- slowloris and the burst ----------------------------------------------------------------------------------


async def signed_in_list_seconds(stack: Stack, channel: grpc.aio.Channel, token: str) -> float:
    started = time.monotonic()
    await act_grpc.ActivityServiceStub(channel).ListActivities(
        act_pb.ListActivitiesRequest(), metadata=bearer(token), timeout=30
    )
    return time.monotonic() - started


async def test_half_sent_requests_hold_nothing_and_are_cut_at_the_request_timeout(stack: Stack) -> None:
    token = stack.token()
    half_web = [
        asyncio.create_task(grpc_web_call(
            stack.gateway_address, LIST, body=grpc_frame(b"x" * 10, declared_length=1 << 20),
            content_length=(1 << 20) + 5, token=token if i % 2 else None, wait=REQUEST_TIMEOUT_S + 15,
        ))
        for i in range(100)
    ]  # fmt: skip
    async with H2Client(stack.gateway_address) as client:
        streams = [await client.start(LIST, body=None, token=token, end_stream=False) for _ in range(90)]
        async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
            assert await signed_in_list_seconds(stack, channel, token) < PROMPT_S
        native = await asyncio.gather(*(client.finish(s, REQUEST_TIMEOUT_S + 15) for s in streams))
    web = await asyncio.gather(*half_web)
    for reply in [*native, *web]:
        assert reply.answered and reply.grpc_status not in FORBIDDEN, reply
    # The signed-in half-sent ones waited in the gateway until its request timeout; the anonymous ones were
    # refused on their headers.
    codes = {r.grpc_status for r in [*native, *web]}
    assert codes <= {grpc.StatusCode.DEADLINE_EXCEEDED.value[0], UNAUTHENTICATED}, codes


async def _burst(stack: Stack, token: str) -> list[asyncio.Task[RawReply]]:
    """1,000 calls at once, none sending a complete request with a token: body-less native calls (with and
    without a token), and gRPC-web bodies that stop mid-frame (with and without a token)."""
    tasks: list[asyncio.Task[RawReply]] = []
    clients = [await H2Client(stack.gateway_address).__aenter__() for _ in range(5)]  # 100 streams each
    for i in range(500):
        client = clients[i % len(clients)]
        tasks.append(
            asyncio.create_task(client.call(LIST, body=None, token=token if i % 2 else None, wait=60))
        )
    for i in range(500):
        tasks.append(asyncio.create_task(grpc_web_call(
            stack.gateway_address, LIST, body=grpc_frame(b"x" * 10, declared_length=1 << 20),
            content_length=(1 << 20) + 5, token=token if i % 2 else None, wait=60,
        )))  # fmt: skip

    async def close_clients() -> RawReply:
        await asyncio.gather(*tasks[:500])
        for client in clients:
            await client.__aexit__(None, None, None)
        return RawReply(grpc_status=0)

    tasks.append(asyncio.create_task(close_clients()))
    return tasks


async def test_a_thousand_hostile_calls_do_not_delay_a_signed_in_call(
    stack: Stack, record_property: pytest.RecordProperty
) -> None:
    token = stack.token()
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        baseline = statistics.median([await signed_in_list_seconds(stack, channel, token) for _ in range(5)])
        tasks = await _burst(stack, token)
        # Once right behind the burst (this process is still sending it), once a second later while the
        # 500 half-sent gRPC-web calls are still open in the gateway.
        at_once = await signed_in_list_seconds(stack, channel, token)
        await asyncio.sleep(1.0)
        a_second_later = await signed_in_list_seconds(stack, channel, token)
        replies = await asyncio.gather(*tasks)
    for name, seconds in (("at_once", at_once), ("a_second_later", a_second_later)):
        record_property(f"signed_in_call_{name}_s", round(seconds, 3))
    print(
        f"signed-in ListActivities during the burst: {at_once * 1000:.0f} ms at once, "
        f"{a_second_later * 1000:.0f} ms a second later (baseline {baseline * 1000:.0f} ms)"
    )
    # The issue asks for at most 1 s of delay; that is what a quiet machine shows (the figures are printed and
    # recorded above, and in the README). The test allows 5 s because this machine's two cores are shared by
    # up to eight test runs: a correct system answers the call, the broken one did not (RESOURCE_EXHAUSTED).
    assert max(at_once, a_second_later) - baseline < PROMPT_S
    for reply in replies:
        assert reply.answered and reply.grpc_status not in FORBIDDEN, reply


# --- one user, many streams ----------------------------------------------------------------------------------


async def test_one_user_cannot_exhaust_the_watch_streams(stack: Stack) -> None:
    user, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        uploads, activities = up_grpc.UploadServiceStub(channel), act_grpc.ActivityServiceStub(channel)

        async def pending_activity(owner: str) -> str:
            created = await uploads.CreateUpload(
                up_pb.CreateUploadRequest(file_name="w.fit", size_bytes=100, sha256=uuid.uuid4().hex * 2),
                metadata=bearer(stack.token(owner)), timeout=10,
            )  # fmt: skip
            return created.activity_id

        mine, theirs = await pending_activity(user), await pending_activity(other)
        watches = []
        for _ in range(10):  # WATCH_MAX_PER_USER
            watch = activities.WatchActivity(
                act_pb.WatchActivityRequest(activity_id=mine), metadata=bearer(stack.token(user))
            )
            assert (await watch.read()).status == act_pb.ACTIVITY_STATUS_PENDING
            watches.append(watch)
        one_more = activities.WatchActivity(
            act_pb.WatchActivityRequest(activity_id=mine), metadata=bearer(stack.token(user))
        )
        code, message = await refusal(one_more.read())
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "at most 10" in message
        # Someone else is unaffected, and so are this user's other calls.
        their_watch = activities.WatchActivity(
            act_pb.WatchActivityRequest(activity_id=theirs), metadata=bearer(stack.token(other))
        )
        assert (await their_watch.read()).status == act_pb.ACTIVITY_STATUS_PENDING
        assert await signed_in_list_seconds(stack, channel, stack.token(user)) < PROMPT_S
        for watch in (*watches, their_watch):
            watch.cancel()
