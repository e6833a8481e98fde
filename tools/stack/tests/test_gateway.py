"""The Envoy gateway: config validated by the real binary, routing, gRPC-web + CORS, reflection, health."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2, activity_service_pb2_grpc
from fitcoach.advisor.v1 import advisor_service_pb2, advisor_service_pb2_grpc
from fitcoach.upload.v1 import upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_stack.gateway import (
    COMPOSE_CONFIG,
    REPO_ROOT,
    EdgeAuth,
    Upstream,
    render_compose_gateway,
    render_gateway,
)
from fitcoach_stack.probe import grpc_frame
from fitcoach_stack.servers import EnvoyServer, validate_envoy_config
from grpc_health.v1 import health_pb2, health_pb2_grpc

ALLOWED = "http://app.fitcoach.test"
BUF = REPO_ROOT / "node_modules" / ".bin" / "buf"
ISSUER = "http://auth.fitcoach.test/auth/v1"
SECRET = "gateway-test-secret-" + "s" * 32
EDGE_AUTH = EdgeAuth(issuer=ISSUER, hs256_secret=SECRET)
TOKEN = mint_dev_token(SECRET, issuer=ISSUER)
SIGNED_IN = (("authorization", f"Bearer {TOKEN}"),)


@pytest.fixture
def gateway(envoy_factory: Callable[..., EnvoyServer], fake_backends: dict[str, int]) -> EnvoyServer:
    return envoy_factory(**fake_backends, cors_origins=[ALLOWED], edge_auth=EDGE_AUTH)


@pytest.mark.parametrize(
    "edge_auth",
    [
        EDGE_AUTH,
        EdgeAuth(
            issuer="https://abcd.supabase.co/auth/v1",
            jwks_url="https://abcd.supabase.co/auth/v1/.well-known/jwks.json",
        ),
    ],
    ids=["hs256", "jwks"],
)
def test_rendered_config_validates_with_envoy(tmp_path: Path, edge_auth: EdgeAuth) -> None:
    config = render_gateway(
        upstreams={n: Upstream("127.0.0.1", 1000 + i) for i, n in enumerate(("upload", "analyzer", "advisor"))},
        listen_port=1, admin_port=2, cors_origins=["*", ALLOWED], edge_auth=edge_auth,
    )  # fmt: skip
    path = tmp_path / "envoy.yaml"
    path.write_text(config)
    result = validate_envoy_config(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_compose_config_is_fresh_and_valid() -> None:
    assert COMPOSE_CONFIG.read_text() == render_compose_gateway(), (
        "gateway/envoy.compose.yaml is stale: run `.venv/bin/python -m fitcoach_stack.gateway`"
    )
    result = validate_envoy_config(COMPOSE_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_broken_config_is_refused_by_validation(tmp_path: Path) -> None:
    # Guards the validation tests above against a validator that accepts anything.
    path = tmp_path / "envoy.yaml"
    path.write_text(COMPOSE_CONFIG.read_text().replace("cluster: upload", "cluster: nowhere", 1))
    assert validate_envoy_config(path).returncode != 0


async def test_native_grpc_is_routed_by_service_prefix(gateway: EnvoyServer) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        calls = {
            "upload": upload_service_pb2_grpc.UploadServiceStub(channel).CreateUpload(
                upload_service_pb2.CreateUploadRequest(file_name="a.fit"), timeout=10, metadata=SIGNED_IN
            ),
            "analyzer": activity_service_pb2_grpc.ActivityServiceStub(channel).ListActivities(
                activity_service_pb2.ListActivitiesRequest(), timeout=10, metadata=SIGNED_IN
            ),
        }
        for name, call in calls.items():
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert err.value.details() == f"served by {name}"
        # AdvisorService is internal (only the analyzer calls it, directly): the edge forwards nothing.
        advice = advisor_service_pb2_grpc.AdvisorServiceStub(channel).GenerateAdvice(
            advisor_service_pb2.GenerateAdviceRequest(), timeout=10, metadata=SIGNED_IN
        )
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await advice
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert err.value.details() == "AdvisorService is internal: the gateway does not forward it"


async def test_watch_stream_passes_through(gateway: EnvoyServer) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        stub = activity_service_pb2_grpc.ActivityServiceStub(channel)
        call = stub.WatchActivity(
            activity_service_pb2.WatchActivityRequest(activity_id="x"), metadata=SIGNED_IN
        )
        received = []
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for message in call:
                received.append(message)
    assert len(received) == 2
    assert err.value.details() == "served by analyzer"


def test_grpc_web_call_from_allowed_origin(gateway: EnvoyServer) -> None:
    response = httpx.post(
        f"{gateway.url}/fitcoach.upload.v1.UploadService/CreateUpload",
        content=grpc_frame(
            upload_service_pb2.CreateUploadRequest(file_name="a.fit").SerializeToString()
        ),
        headers={
            "content-type": "application/grpc-web+proto", "x-grpc-web": "1", "origin": ALLOWED,
            "authorization": f"Bearer {TOKEN}",
        },
        timeout=10,
    )  # fmt: skip
    assert response.http_version == "HTTP/1.1"
    assert response.status_code == 200
    assert response.headers["grpc-status"] == str(grpc.StatusCode.FAILED_PRECONDITION.value[0])
    assert response.headers["grpc-message"] == "served by upload"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "grpc-status-details-bin" in response.headers["access-control-expose-headers"]


def test_cors_preflight_allows_configured_origin_and_headers(gateway: EnvoyServer) -> None:
    response = httpx.options(
        f"{gateway.url}/fitcoach.activity.v1.ActivityService/ListActivities",
        headers={
            "origin": ALLOWED,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type,x-grpc-web,x-user-agent,grpc-timeout",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"} <= allowed


def test_cors_from_a_disallowed_origin_gets_no_allow_origin(gateway: EnvoyServer) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{gateway.url}/fitcoach.upload.v1.UploadService/CreateUpload",
            headers={"origin": origin, "access-control-request-method": "POST"},
        )

    def call(origin: str) -> httpx.Response:
        return httpx.post(
            f"{gateway.url}/fitcoach.upload.v1.UploadService/CreateUpload",
            content=grpc_frame(b""),
            headers={
                "content-type": "application/grpc-web+proto", "x-grpc-web": "1", "origin": origin,
                "authorization": f"Bearer {TOKEN}",
            },
        )  # fmt: skip

    for response in (preflight("http://evil.test"), call("http://evil.test")):
        assert "access-control-allow-origin" not in response.headers
    # The same requests from the allowed origin do get the CORS answer (so the absence above means something).
    allowed_preflight, allowed_call = preflight(ALLOWED), call(ALLOWED)
    assert allowed_preflight.status_code == 200
    assert allowed_preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in allowed_preflight.headers["access-control-allow-methods"]
    assert allowed_call.headers["access-control-allow-origin"] == ALLOWED
    assert "grpc-message" in allowed_call.headers["access-control-expose-headers"]
    assert allowed_call.headers["grpc-message"] == "served by upload"


async def test_health_of_each_service_through_the_gateway(gateway: EnvoyServer) -> None:
    async with grpc.aio.insecure_channel(gateway.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        overall = await stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert overall.status == health_pb2.HealthCheckResponse.SERVING
        for upstream, service in (
            ("upload", "fitcoach.upload.v1.UploadService"),
            ("analyzer", "fitcoach.activity.v1.ActivityService"),
            ("advisor", "fitcoach.advisor.v1.AdvisorService"),
        ):
            reply = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), metadata=(("fitcoach-upstream", upstream),)
            )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        # Without the header, health goes to the reflection upstream (the analyzer), which doesn't know upload.
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Check(health_pb2.HealthCheckRequest(service="fitcoach.upload.v1.UploadService"))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_buf_curl_lists_every_service_through_the_gateway(gateway: EnvoyServer) -> None:
    result = subprocess.run(
        [str(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", gateway.url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    listed = set(result.stdout.split())
    assert {
        "fitcoach.upload.v1.UploadService",
        "fitcoach.activity.v1.ActivityService",
        "fitcoach.advisor.v1.AdvisorService",
        "grpc.health.v1.Health",
    } <= listed


def test_buf_curl_calls_a_method_via_reflection_over_grpc_web(gateway: EnvoyServer) -> None:
    # The operator's path: method schema from reflection, call through the gateway (here as gRPC-web).
    result = subprocess.run(
        [str(BUF), "curl", "--protocol", "grpcweb", "--data", '{"page_size": 5}',
         "-H", f"authorization: Bearer {TOKEN}",
         f"{gateway.url}/fitcoach.activity.v1.ActivityService/ListActivities"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "served by analyzer" in result.stderr
