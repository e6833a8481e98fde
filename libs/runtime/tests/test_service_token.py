"""Pre-shared service tokens: what ServiceTokenVerifier accepts and refuses, alone and in the real server."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator

import grpc
import pytest
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb2
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as advisor_grpc
from fitcoach_runtime.auth import (
    MIN_SERVICE_TOKEN_LENGTH,
    SERVICE_ROLE,
    ServiceTokenVerifier,
    current_principal,
    mint_dev_token,
)
from fitcoach_runtime.errors import Unauthenticated
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_runtime.grpc_server import GrpcService, RunningServer, start_server
from grpc_health.v1 import health_pb2, health_pb2_grpc

OLD = secrets.token_urlsafe(32)
NEW = secrets.token_urlsafe(32)
ADVISOR = advisor_pb2.DESCRIPTOR.services_by_name["AdvisorService"].full_name


async def refused(verifier: ServiceTokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    return caught.value.message


async def test_an_accepted_token_gives_the_service_principal() -> None:
    principal = await ServiceTokenVerifier([OLD], caller="analyzer").verify(OLD)
    assert (principal.user_id, principal.role, principal.is_operator) == ("analyzer", SERVICE_ROLE, False)
    assert (await ServiceTokenVerifier([OLD]).verify(OLD)).user_id == "service"


@pytest.mark.parametrize(
    "token",
    [NEW, OLD[:-1], OLD + "x", OLD.swapcase(), OLD[::-1], "x" * len(OLD), "é" * 40],
    ids=["other", "prefix", "longer", "case", "reversed", "same-length", "non-ascii"],
)
async def test_a_wrong_token_is_unauthenticated(token: str) -> None:
    assert await refused(ServiceTokenVerifier([OLD]), token) == "invalid service token"


@pytest.mark.parametrize("token", ["", " ", "\t"])
async def test_an_empty_token_is_unauthenticated(token: str) -> None:
    assert await refused(ServiceTokenVerifier([OLD]), token) == "invalid service token"


async def test_rotation_accepts_old_and_new_until_the_old_one_is_removed() -> None:
    during = ServiceTokenVerifier([NEW, OLD])
    assert (await during.verify(OLD)).role == SERVICE_ROLE
    assert (await during.verify(NEW)).role == SERVICE_ROLE
    after = ServiceTokenVerifier([NEW])
    assert (await after.verify(NEW)).role == SERVICE_ROLE
    await refused(after, OLD)


def test_a_verifier_without_tokens_or_with_a_short_one_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="at least one service token"):
        ServiceTokenVerifier([])
    short = "s3cr3t-but-short"
    with pytest.raises(ValueError, match=f"at least {MIN_SERVICE_TOKEN_LENGTH} characters") as caught:
        ServiceTokenVerifier([OLD, short])
    assert "token 2 of 2" in str(caught.value)
    assert short not in str(caught.value) and OLD not in str(caught.value)
    with pytest.raises(ValueError):
        ServiceTokenVerifier([" " * 40])  # blank padding is not a token


def test_the_verifier_does_not_show_its_tokens() -> None:
    verifier = ServiceTokenVerifier([OLD, NEW], caller="analyzer")
    shown = repr(verifier) + str(vars(verifier))
    assert OLD not in shown and NEW not in shown
    assert "2 tokens" in repr(verifier)


class WhoAmI(advisor_grpc.AdvisorServiceServicer):
    async def GenerateAdvice(
        self, request: advisor_pb2.GenerateAdviceRequest, context: grpc.aio.ServicerContext
    ) -> advisor_pb2.GenerateAdviceResponse:
        principal = current_principal()
        return advisor_pb2.GenerateAdviceResponse(
            advice=advisor_pb2.Advice(summary=f"{principal.user_id}/{principal.role}")
        )


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[RunningServer]:
    running = await start_server(
        "127.0.0.1:0",
        [GrpcService(ADVISOR, advisor_grpc.add_AdvisorServiceServicer_to_server, WhoAmI())],
        verifier=ServiceTokenVerifier([NEW, OLD], caller="analyzer"),
    )
    yield running
    await running.stop(0)


@pytest.fixture
async def channel(server: RunningServer) -> AsyncIterator[grpc.aio.Channel]:
    async with insecure_channel(f"127.0.0.1:{server.port}") as chan:
        yield chan


async def test_the_server_takes_a_service_token_verifier(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub = advisor_grpc.AdvisorServiceStub(channel)
    for token in (OLD, NEW):
        reply = await stub.GenerateAdvice(advisor_pb2.GenerateAdviceRequest(), metadata=bearer(token))
        assert reply.advice.summary == "analyzer/service"

    user_jwt = mint_dev_token("a-user-token-secret-" + "y" * 32, issuer="https://x.supabase.co/auth/v1")
    wrong = secrets.token_urlsafe(32)
    for metadata in ((), bearer(wrong), bearer(user_jwt), bearer(""), (("authorization", f"Basic {OLD}"),)):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GenerateAdvice(advisor_pb2.GenerateAdviceRequest(), metadata=metadata)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, metadata
        assert OLD not in (caught.value.details() or "") and wrong not in (caught.value.details() or "")

    # Health stays public: balancers and the gateway probe it without a token.
    health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=ADVISOR))
    assert health.status == health_pb2.HealthCheckResponse.SERVING

    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    for secret in (OLD, NEW, wrong):
        assert secret not in logged
