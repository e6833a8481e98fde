"""Operator-only RPCs (catalogue item 23, the one place it is enforced): the server's interceptor refuses every
OpsService method to anyone but an operator, whatever the servicer does, and logs who called what."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach_runtime.auth import TokenVerifier, current_principal, mint_dev_token
from fitcoach_runtime.grpc_client import bearer
from fitcoach_runtime.grpc_server import OPERATOR_SERVICES, GrpcService, RunningServer, start_server
from fitcoach_runtime.settings import AuthSettings

SUPABASE = "https://abcd.supabase.co"
SECRET = "operator-test-secret-" + "z" * 32
LISTED_OPERATOR = str(uuid.uuid4())
AUTH = AuthSettings(
    mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET, operator_user_ids=(LISTED_OPERATOR,)
)
OPS = ops_pb.DESCRIPTOR.services_by_name["OpsService"]


class Ops(ops_grpc.OpsServiceServicer):
    """Answers two methods and leaves the others to the generated UNIMPLEMENTED, like a real half-server."""

    async def GetPipelineStats(
        self, request: ops_pb.GetPipelineStatsRequest, context: grpc.aio.ServicerContext
    ) -> ops_pb.GetPipelineStatsResponse:
        return ops_pb.GetPipelineStatsResponse(analyzer_version=current_principal().user_id)

    async def Replay(
        self, request: ops_pb.ReplayRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ops_pb.ReplayResponse]:
        yield ops_pb.ReplayResponse(progress=ops_pb.ReplayProgress(replay_id=current_principal().user_id))


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[RunningServer]:
    running = await start_server(
        "127.0.0.1:0",
        [GrpcService(OPS.full_name, ops_grpc.add_OpsServiceServicer_to_server, Ops())],
        verifier=TokenVerifier.from_settings(AUTH),
    )
    yield running
    await running.stop(0)


def token(user_id: str | None = None, *, operator: bool = False) -> tuple[tuple[str, str], ...]:
    return bearer(mint_dev_token(SECRET, issuer=AUTH.issuer, user_id=user_id, operator=operator))


async def call_method(
    channel: grpc.aio.Channel, method_name: str, metadata: tuple[tuple[str, str], ...] | None
) -> grpc.StatusCode:
    """Call any OpsService method with an empty request; the status it ends with."""
    method = OPS.methods_by_name[method_name]
    request_class = ops_pb.DESCRIPTOR.message_types_by_name[method.input_type.name]
    path = f"/{OPS.full_name}/{method.name}"
    request = getattr(ops_pb, request_class.name)()
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path, request_serializer=type(request).SerializeToString)
            async for _ in stream(request, metadata=metadata, timeout=10):
                pass
        else:
            unary = channel.unary_unary(path, request_serializer=type(request).SerializeToString)
            await unary(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def test_ops_service_is_operator_only() -> None:
    assert OPS.full_name in OPERATOR_SERVICES


@pytest.mark.parametrize("method_name", [m.name for m in OPS.methods])
async def test_every_ops_method_refuses_a_signed_in_athlete(
    channel: grpc.aio.Channel, method_name: str
) -> None:
    assert await call_method(channel, method_name, token()) == grpc.StatusCode.PERMISSION_DENIED
    assert await call_method(channel, method_name, None) == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("method_name", [m.name for m in OPS.methods])
async def test_operators_get_past_the_check(channel: grpc.aio.Channel, method_name: str) -> None:
    code = await call_method(channel, method_name, token(operator=True))
    # Methods this half-server does not implement answer UNIMPLEMENTED: the call got past the check.
    implemented = method_name in ("GetPipelineStats", "Replay")
    assert code == (grpc.StatusCode.OK if implemented else grpc.StatusCode.UNIMPLEMENTED)


async def test_a_listed_user_is_an_operator_without_the_claim(channel: grpc.aio.Channel) -> None:
    stub = ops_grpc.OpsServiceStub(channel)
    stats = await stub.GetPipelineStats(ops_pb.GetPipelineStatsRequest(), metadata=token(LISTED_OPERATOR))
    assert stats.analyzer_version == LISTED_OPERATOR
    replies = [r async for r in stub.Replay(ops_pb.ReplayRequest(), metadata=token(LISTED_OPERATOR))]
    assert [r.progress.replay_id for r in replies] == [LISTED_OPERATOR]


async def test_every_operator_call_is_logged_with_who_made_it_and_no_password(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    operator, athlete = str(uuid.uuid4()), str(uuid.uuid4())
    stub = ops_grpc.OpsServiceStub(channel)
    caplog.set_level(logging.INFO, logger="fitcoach_runtime.grpc_server")
    request = ops_pb.MigrateLegacyRequest(legacy_dsn="postgresql://legacy:hunter2@db.example:5432/app")
    with pytest.raises(grpc.aio.AioRpcError):
        async for _ in stub.MigrateLegacy(request, metadata=token(operator, operator=True)):
            pass
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetStorageCost(ops_pb.GetStorageCostRequest(), metadata=token(athlete))
    records = [(r.getMessage(), getattr(r, "fields", {})) for r in caplog.records]
    allowed = [f for m, f in records if m == "operator call"]
    refused = [f for m, f in records if m == "operator call refused"]
    assert [(f["operator"], f["method"]) for f in allowed] == [(operator, f"/{OPS.full_name}/MigrateLegacy")]
    assert allowed[0]["request"]["legacy_dsn"] == "postgresql://legacy:***@db.example:5432/app"
    assert [(f["operator"], f["method"]) for f in refused] == [(athlete, f"/{OPS.full_name}/GetStorageCost")]
    assert "hunter2" not in caplog.text


async def test_a_request_json_cannot_show_is_still_audited_and_served(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    # Found by the fuzzer: a Duration whose nanos are out of range parses, but MessageToDict refuses it.
    caplog.set_level(logging.INFO, logger="fitcoach_runtime.grpc_server")
    request = ops_pb.GetPipelineStatsRequest()
    request.window.nanos = 2**31 - 1
    stats = await ops_grpc.OpsServiceStub(channel).GetPipelineStats(request, metadata=token(operator=True))
    assert stats.analyzer_version  # served (the servicer, not the audit, judges the request)
    [audited] = [getattr(r, "fields", {}) for r in caplog.records if r.getMessage() == "operator call"]
    assert "unprintable" in audited["request"]
