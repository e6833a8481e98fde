"""The shared gRPC server: health, reflection, auth on every non-public RPC, error mapping, limits, shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as activity_pb2
from fitcoach.activity.v1 import activity_service_pb2_grpc as activity_grpc
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb2
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as advisor_grpc
from fitcoach_runtime.auth import TokenVerifier, current_principal, mint_dev_token
from fitcoach_runtime.errors import NotFound
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_runtime.grpc_server import MAX_RECEIVE_BYTES, GrpcService, RunningServer, start_server
from fitcoach_runtime.settings import AuthSettings
from fitcoach_stack.probe import H2Client, grpc_frame
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from prometheus_client import REGISTRY

SUPABASE = "https://abcd.supabase.co"
SECRET = "grpc-test-secret-" + "z" * 32
AUTH = AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET)
ADVISOR = advisor_pb2.DESCRIPTOR.services_by_name["AdvisorService"].full_name
ACTIVITY = activity_pb2.DESCRIPTOR.services_by_name["ActivityService"].full_name
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Advisor(advisor_grpc.AdvisorServiceServicer):
    """Behaves according to `language`, so one servicer covers every path of the interceptor."""

    def __init__(self) -> None:
        self.slow_started = asyncio.Event()

    async def GenerateAdvice(
        self, request: advisor_pb2.GenerateAdviceRequest, context: grpc.aio.ServicerContext
    ) -> advisor_pb2.GenerateAdviceResponse:
        match request.language:
            case "notfound":
                raise NotFound("activity 42 not found")
            case "boom":
                raise RuntimeError("password=hunter2 leaked in a stack trace")
            case "db-starting":
                raise asyncpg.CannotConnectNowError("the database system is starting up")
            case "db-gone":
                raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
            case "refused":
                raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.7', 5432)")
            case "lost-in-transaction":
                # What `async with conn.transaction()` raises when the server died inside it: its rollback
                # fails too, and that error hides the first one (as its __context__).
                try:
                    raise asyncpg.ConnectionDoesNotExistError(
                        "connection was closed in the middle of operation"
                    )
                except asyncpg.ConnectionDoesNotExistError:
                    raise asyncpg.InterfaceError(
                        "cannot call Transaction.__aexit__(): the underlying connection is closed"
                    ) from None
            case "fatal-while-idle":
                raise asyncpg.InternalClientError(
                    "cannot switch to state 15; another operation (2) is in progress"
                )
            case "misuse":
                raise asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
            case "abort":
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, "servicer said no")
            case "slow":
                self.slow_started.set()
                await asyncio.sleep(0.5)
            case "whoami":
                principal = current_principal()
                return advisor_pb2.GenerateAdviceResponse(
                    advice=advisor_pb2.Advice(summary=f"{principal.user_id}/{principal.role}")
                )
        return advisor_pb2.GenerateAdviceResponse(advice=advisor_pb2.Advice(summary="ok"))


class Activities(activity_grpc.ActivityServiceServicer):
    async def WatchActivity(  # type: ignore[override]
        self, request: activity_pb2.WatchActivityRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[activity_pb2.WatchActivityResponse]:
        if request.activity_id == "notfound":
            raise NotFound("no such activity")
        yield activity_pb2.WatchActivityResponse(activity_id=current_principal().user_id, status=1)
        if request.activity_id == "boom":
            raise RuntimeError("secret detail")
        yield activity_pb2.WatchActivityResponse(activity_id=request.activity_id, status=2)


class WritingActivities(activity_grpc.ActivityServiceServicer):
    """A streaming servicer in the other style grpc.aio allows: `await context.write()` and return None."""

    async def WatchActivity(  # type: ignore[override]
        self, request: activity_pb2.WatchActivityRequest, context: grpc.aio.ServicerContext
    ) -> None:
        for status in (1, 2, 3):
            await context.write(
                activity_pb2.WatchActivityResponse(activity_id=request.activity_id, status=status)
            )


def services(advisor: Advisor | None = None, activities: object | None = None) -> list[GrpcService]:
    return [
        GrpcService(ADVISOR, advisor_grpc.add_AdvisorServiceServicer_to_server, advisor or Advisor()),
        GrpcService(
            ACTIVITY, activity_grpc.add_ActivityServiceServicer_to_server, activities or Activities()
        ),
    ]


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[RunningServer]:
    running = await start_server("127.0.0.1:0", services(), verifier=TokenVerifier.from_settings(AUTH))
    yield running
    await running.stop(0)


def token(user_id: str | None = None) -> tuple[tuple[str, str], ...]:
    return bearer(mint_dev_token(SECRET, issuer=AUTH.issuer, user_id=user_id))


async def advise(channel: grpc.aio.Channel, language: str, **kwargs: object) -> advisor_pb2.Advice:
    stub = advisor_grpc.AdvisorServiceStub(channel)
    response = await stub.GenerateAdvice(advisor_pb2.GenerateAdviceRequest(language=language), **kwargs)
    return response.advice


async def status_of(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_health_serving_for_server_and_each_service(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", ADVISOR, ACTIVITY):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=name))  # no token: public
        assert reply.status == SERVING
    err = await status_of(health.Check(health_pb2.HealthCheckRequest(service="nope.Service")))
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_services_without_a_token(server: RunningServer) -> None:
    def list_services() -> tuple[list[str], str]:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as chan:
            database = ProtoReflectionDescriptorDatabase(chan)
            names = list(database.get_services())
            method = database.FindFileContainingSymbol(ADVISOR).name
            return names, method

    names, file_name = await asyncio.to_thread(list_services)
    assert {ADVISOR, ACTIVITY, "grpc.health.v1.Health"} <= set(names)
    assert file_name == "fitcoach/advisor/v1/advisor_service.proto"


async def test_principal_reaches_the_servicer(channel: grpc.aio.Channel) -> None:
    user = str(uuid.uuid4())
    advice = await advise(channel, "whoami", metadata=token(user))
    assert advice.summary == f"{user}/authenticated"


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("authorization", "Basic dXNlcjpwYXNz"),),
        (("authorization", "Bearer not-a-jwt"),),
        bearer(mint_dev_token("w" * 40, issuer=AUTH.issuer)),
        bearer(mint_dev_token(SECRET, issuer=AUTH.issuer, role="service_role")),
    ],
    ids=["none", "basic", "garbage", "wrong-secret", "service-role"],
)
async def test_unary_and_stream_require_a_valid_token(
    channel: grpc.aio.Channel, metadata: tuple[tuple[str, str], ...]
) -> None:
    err = await status_of(advise(channel, "whoami", metadata=metadata))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    stream = activity_grpc.ActivityServiceStub(channel).WatchActivity(
        activity_pb2.WatchActivityRequest(activity_id="a1"), metadata=metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stream:
            pytest.fail("an unauthenticated stream yielded a message")
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_stream_with_token_yields_and_sees_principal(channel: grpc.aio.Channel) -> None:
    user = str(uuid.uuid4())
    stub = activity_grpc.ActivityServiceStub(channel)
    call = stub.WatchActivity(activity_pb2.WatchActivityRequest(activity_id="a1"), metadata=token(user))
    got = [(m.activity_id, m.status) async for m in call]
    assert got == [(user, 1), ("a1", 2)]


async def test_domain_error_maps_to_its_status(channel: grpc.aio.Channel) -> None:
    before = REGISTRY.get_sample_value(
        "fitcoach_grpc_requests_total", {"method": f"/{ADVISOR}/GenerateAdvice", "code": "NOT_FOUND"}
    )
    err = await status_of(advise(channel, "notfound", metadata=token()))
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "activity 42 not found")
    after = REGISTRY.get_sample_value(
        "fitcoach_grpc_requests_total", {"method": f"/{ADVISOR}/GenerateAdvice", "code": "NOT_FOUND"}
    )
    assert (after or 0) - (before or 0) == 1


async def test_unexpected_error_is_internal_and_says_nothing_private(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    err = await status_of(advise(channel, "boom", metadata=token()))
    assert (err.code(), err.details()) == (grpc.StatusCode.INTERNAL, "internal error")
    assert "hunter2" not in str(err)
    # ...but the operator gets the whole story in the log.
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.parametrize(
    "failure", ["db-starting", "db-gone", "refused", "lost-in-transaction", "fatal-while-idle"]
)
async def test_a_dependency_down_is_unavailable_so_clients_retry(
    channel: grpc.aio.Channel, failure: str
) -> None:
    # Found by the chaos soak: while PostgreSQL restarted, CreateUpload answered INTERNAL, which clients
    # (rightly) do not retry, so those uploads were lost.
    err = await status_of(advise(channel, failure, metadata=token()))
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert err.details() == "a service this call needs is temporarily unavailable; retry"
    assert "10.0.0.7" not in str(err)


async def test_a_driver_error_of_our_own_making_stays_internal(channel: grpc.aio.Channel) -> None:
    err = await status_of(advise(channel, "misuse", metadata=token()))
    assert (err.code(), err.details()) == (grpc.StatusCode.INTERNAL, "internal error")


async def test_servicer_abort_passes_through_unchanged(channel: grpc.aio.Channel) -> None:
    err = await status_of(advise(channel, "abort", metadata=token()))
    assert (err.code(), err.details()) == (grpc.StatusCode.PERMISSION_DENIED, "servicer said no")


async def test_stream_errors_are_mapped_too(channel: grpc.aio.Channel) -> None:
    stub = activity_grpc.ActivityServiceStub(channel)
    call = stub.WatchActivity(activity_pb2.WatchActivityRequest(activity_id="notfound"), metadata=token())
    err = await status_of(call.read())
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "no such activity")
    call = stub.WatchActivity(activity_pb2.WatchActivityRequest(activity_id="boom"), metadata=token())
    assert (await call.read()).status == 1
    err = await status_of(call.read())
    assert (err.code(), err.details()) == (grpc.StatusCode.INTERNAL, "internal error")


async def test_oversized_request_is_resource_exhausted(channel: grpc.aio.Channel) -> None:
    err = await status_of(advise(channel, "x" * (MAX_RECEIVE_BYTES + 1), metadata=token()))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await advise(channel, "x" * 1000, metadata=token())).summary == "ok"  # still serving


async def test_public_services_and_write_style_streams() -> None:
    running = await start_server(
        "127.0.0.1:0",
        services(activities=WritingActivities()),
        verifier=TokenVerifier.from_settings(AUTH),
        public_services=[ADVISOR],
    )
    try:
        async with insecure_channel(f"127.0.0.1:{running.port}") as chan:
            assert (await advise(chan, "ok")).summary == "ok"  # public: no token needed
            # A public RPC has no principal: asking for one is UNAUTHENTICATED, not a crash.
            err = await status_of(advise(chan, "whoami"))
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED
            # Public means unauthenticated, not unmapped: errors still answer without private details.
            err = await status_of(advise(chan, "boom"))
            assert (err.code(), err.details()) == (grpc.StatusCode.INTERNAL, "internal error")
            err = await status_of(advise(chan, "notfound"))
            assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "activity 42 not found")
            stub = activity_grpc.ActivityServiceStub(chan)
            err = await status_of(
                stub.WatchActivity(activity_pb2.WatchActivityRequest(activity_id="w")).read()
            )
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED  # ActivityService is still protected
            call = stub.WatchActivity(activity_pb2.WatchActivityRequest(activity_id="w"), metadata=token())
            assert [m.status async for m in call] == [1, 2, 3]  # context.write() style passes the interceptor
    finally:
        await running.stop(0)


async def test_graceful_stop_reports_not_serving_and_finishes_in_flight_calls() -> None:
    advisor = Advisor()
    running = await start_server("127.0.0.1:0", services(advisor), verifier=None)
    async with insecure_channel(f"127.0.0.1:{running.port}") as chan:
        watch = health_pb2_grpc.HealthStub(chan).Watch(health_pb2.HealthCheckRequest(service=ADVISOR))
        assert (await watch.read()).status == SERVING
        slow = asyncio.create_task(advise(chan, "slow"))
        await asyncio.wait_for(advisor.slow_started.wait(), 5)
        started = time.monotonic()
        stopping = asyncio.create_task(running.stop(grace=30.0))
        assert (await asyncio.wait_for(watch.read(), 10)).status == NOT_SERVING
        watch.cancel()  # a watcher would otherwise hold the server for the whole grace period
        assert (await slow).summary == "ok"  # the in-flight call completed, not cancelled
        await asyncio.wait_for(stopping, 40)
        # Stopped once its call was done, not at the end of the 30 s grace; generous for a loaded machine.
        assert time.monotonic() - started < 15
        err = await status_of(advise(chan, "ok", timeout=2))
        assert err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def test_drain_keeps_serving_new_calls_after_not_serving_until_it_ends() -> None:
    running = await start_server("127.0.0.1:0", services(Advisor()), verifier=None)
    async with insecure_channel(f"127.0.0.1:{running.port}") as chan:
        health = health_pb2_grpc.HealthStub(chan)
        stopping = asyncio.create_task(running.stop(grace=1.0, drain=1.0))
        await asyncio.sleep(0.2)
        status = await health.Check(health_pb2.HealthCheckRequest(service=ADVISOR), timeout=2)
        assert status.status == NOT_SERVING
        assert (await advise(chan, "ok", timeout=2)).summary == "ok"  # still served while draining
        await asyncio.wait_for(stopping, 5)
        err = await status_of(advise(chan, "ok", timeout=2))
        assert err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def test_bind_failure_is_an_error(server: RunningServer) -> None:
    with pytest.raises((OSError, RuntimeError), match="bind"):
        await start_server(f"127.0.0.1:{server.port}", services(), verifier=None)


async def test_service_resources_stop_background_work_before_closing_resources() -> None:
    from fitcoach_runtime.grpc_server import ServiceResources

    order: list[str] = []

    async def record(name: str) -> None:
        order.append(name)

    async with ServiceResources() as resources:
        resources.push_async_callback(record, "pool closed")
        resources.on_shutdown(record, "consumer stopped")
        resources.push_async_callback(record, "server stopped")
        resources.on_shutdown(record, "relay stopped")
    # Background work first (last registered first), then resources in reverse order.
    assert order == ["relay stopped", "consumer stopped", "server stopped", "pool closed"]

    explicit: list[str] = []

    async def note(name: str) -> None:
        explicit.append(name)

    async with ServiceResources() as resources:
        resources.on_shutdown(note, "consumer stopped")
        await resources.shutdown()
        explicit.append("server stopped")
    assert explicit == ["consumer stopped", "server stopped"]  # each callback runs once


# --- hostile clients (issue "Hostile clients", catalogue 25, 27) ------------------------------------------
# grpcio never sends these; fitcoach_stack.probe writes the HTTP/2 frames by hand.
GENERATE = f"/{ADVISOR}/GenerateAdvice"
WATCH = f"/{ACTIVITY}/WatchActivity"
# A call must be answered at once; 5 s only keeps a loaded 2-core machine from failing a correct server.
PROMPT_S = 5.0


def bearer_token(user_id: str | None = None) -> str:
    return token(user_id)[0][1].removeprefix("Bearer ")


@pytest.mark.parametrize("path", [GENERATE, WATCH], ids=["unary", "server-stream"])
@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "no-token"])
async def test_a_call_without_a_request_message_is_answered_at_once(
    server: RunningServer, path: str, signed_in: bool
) -> None:
    # HEADERS with END_STREAM and no DATA: grpc.aio's unary path returned without a status (the call hung
    # until the client gave up, holding a concurrency slot).
    async with H2Client(f"127.0.0.1:{server.port}") as client:
        reply = await client.call(path, body=None, token=bearer_token() if signed_in else None, wait=PROMPT_S)
    expected = grpc.StatusCode.INVALID_ARGUMENT if signed_in else grpc.StatusCode.UNAUTHENTICATED
    assert reply.grpc_status == expected.value[0], reply
    if signed_in:
        assert reply.grpc_message == "the call carried no request message"


@pytest.mark.parametrize(
    "body",
    [grpc_frame(b"\xff\xff\xff\xff"), grpc_frame(b"\x0a\x05ab"), grpc_frame(b"\x08" + b"\xff" * 11)],
    ids=["ff-ff-ff-ff", "length-past-the-end", "overlong-varint"],
)
async def test_a_malformed_message_is_invalid_argument_without_internals(
    server: RunningServer, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with H2Client(f"127.0.0.1:{server.port}") as client:
        reply = await client.call(GENERATE, body=body, token=bearer_token(), wait=PROMPT_S)
    assert reply.grpc_status == grpc.StatusCode.INVALID_ARGUMENT.value[0], reply
    assert reply.grpc_message == "the request is not a valid fitcoach.advisor.v1.GenerateAdviceRequest"
    # A client's bad bytes are not the server's error: no error-level log line per request.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ["/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"])
async def test_public_health_answers_a_call_without_a_request_message(
    server: RunningServer, path: str
) -> None:
    async with H2Client(f"127.0.0.1:{server.port}") as client:
        reply = await client.call(path, body=None, wait=PROMPT_S)
    assert (reply.grpc_status, reply.grpc_message) == (
        grpc.StatusCode.INVALID_ARGUMENT.value[0],
        "the call carried no request message",
    ), reply


async def test_a_frame_that_promises_more_than_it_carries_is_answered(server: RunningServer) -> None:
    async with H2Client(f"127.0.0.1:{server.port}") as client:
        reply = await client.call(
            GENERATE,
            body=grpc_frame(b"\x0a\x02ok", declared_length=1 << 20),
            token=bearer_token(),
            wait=PROMPT_S,
        )
    assert reply.answered, reply
    assert reply.grpc_status not in (grpc.StatusCode.UNKNOWN.value[0], grpc.StatusCode.INTERNAL.value[0])


async def test_a_request_message_that_never_comes_is_cut_at_the_bound() -> None:
    # Headers sent, the stream left open, no message: the server waits `request_wait_s`, then answers.
    running = await start_server(
        "127.0.0.1:0", services(), verifier=TokenVerifier.from_settings(AUTH), request_wait_s=0.5
    )
    try:
        async with H2Client(f"127.0.0.1:{running.port}") as client:
            stream = await client.start(GENERATE, body=None, token=bearer_token(), end_stream=False)
            reply = await client.finish(stream, wait=PROMPT_S + 0.5)
        assert reply.grpc_status == grpc.StatusCode.DEADLINE_EXCEEDED.value[0], reply
        assert reply.grpc_message == "the request message did not arrive within 0.5 s"
    finally:
        await running.stop(0)


async def test_body_less_calls_do_not_use_up_the_concurrency_limit() -> None:
    # Before: each body-less call held one of maximum_concurrent_rpcs for as long as its client stayed,
    # so 1,000 of them answered everyone else RESOURCE_EXHAUSTED.
    running = await start_server(
        "127.0.0.1:0", services(), verifier=TokenVerifier.from_settings(AUTH), max_concurrent_rpcs=20
    )
    try:
        address = f"127.0.0.1:{running.port}"
        async with H2Client(address) as client:
            streams = [await client.start(GENERATE, body=None, token=bearer_token()) for _ in range(100)]
            replies = [await client.finish(s, wait=PROMPT_S) for s in streams]
            async with insecure_channel(address) as chan:
                assert (await advise(chan, "ok", metadata=token(), timeout=PROMPT_S)).summary == "ok"
        codes = {r.grpc_status for r in replies}
        # Answered, each one: INVALID_ARGUMENT, or RESOURCE_EXHAUSTED while the limit was momentarily full.
        assert codes <= {
            grpc.StatusCode.INVALID_ARGUMENT.value[0],
            grpc.StatusCode.RESOURCE_EXHAUSTED.value[0],
        }
    finally:
        await running.stop(0)


async def test_a_unary_call_is_cut_at_the_servers_own_bound() -> None:
    # A client that sets no deadline (or a huge one) still gets an answer: DEADLINE_EXCEEDED at max_unary_s.
    running = await start_server("127.0.0.1:0", services(), verifier=None, max_unary_s=0.2)
    try:
        async with insecure_channel(f"127.0.0.1:{running.port}") as chan:
            err = await status_of(advise(chan, "slow"))
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert err.details() == "the call took longer than the server's limit of 0.2 s"
    finally:
        await running.stop(0)
