"""The gateway against hostile clients (issue "Hostile clients"; catalogue 25, 26, 28, 30): edge JWT checks
so unauthenticated calls never reach a service, bounded incomplete requests, header limits that fail one call
and not the connection. Upstreams are the stand-in backends (tests/conftest.py), which answer every call
"served by <name>": any other answer came from Envoy itself."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fitcoach.activity.v1 import activity_service_pb2, activity_service_pb2_grpc
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_stack.gateway import EdgeAuth, GatewayLimits
from fitcoach_stack.probe import H2Client, grpc_frame, grpc_web_call
from fitcoach_stack.servers import EnvoyServer

ISSUER = "http://auth.fitcoach.test/auth/v1"
SECRET = "edge-test-secret-" + "e" * 32
LIST = "/fitcoach.activity.v1.ActivityService/ListActivities"
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED.value[0]
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION.value[0]  # what the stand-in backends answer
# Envoy answers at once; the slack only keeps a loaded 2-core machine from failing a correct gateway.
SLACK_S = 5.0


@pytest.fixture
def edge(envoy_factory: Callable[..., EnvoyServer], fake_backends: dict[str, int]) -> EnvoyServer:
    # Short bounds so the tests can watch them act: the whole request within 1 s, a unary call within 2 s.
    return envoy_factory(
        **fake_backends,
        edge_auth=EdgeAuth(issuer=ISSUER, hs256_secret=SECRET, max_lifetime_s=86_400),
        limits=GatewayLimits(request_timeout="1s", unary_timeout="2s"),
    )


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": str(uuid.uuid4()), "aud": "authenticated", "role": "authenticated", "iss": ISSUER,
        "iat": now, "exp": now + 3600,
    }  # fmt: skip
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(**overrides: object) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


REFUSED_AT_THE_EDGE = {
    "no token": None,
    "garbage": "not.a.jwt",
    "wrong secret": jwt.encode(claims(), "x" * 40, algorithm="HS256"),
    "expired": signed(exp=int(time.time()) - 3600),
    "wrong issuer": signed(iss="https://evil.test/auth/v1"),
    "wrong audience": signed(aud="anon"),
    "no sub": signed(sub=None),
    "sub not a user id": signed(sub="admin"),
    "ten-year token": signed(exp=int(time.time()) + 10 * 365 * 86400),
    "legacy anon key": jwt.encode(
        {"iss": "supabase", "role": "anon", "exp": int(time.time()) + 3600}, SECRET
    ),
}


@pytest.mark.parametrize("token", REFUSED_AT_THE_EDGE.values(), ids=REFUSED_AT_THE_EDGE.keys())
async def test_bad_tokens_are_refused_at_the_edge_and_never_reach_a_service(
    edge: EnvoyServer, token: str | None
) -> None:
    async with H2Client(edge.address) as client:
        reply = await client.call(LIST, body=grpc_frame(b""), token=token, wait=SLACK_S)
    assert reply.grpc_status == UNAUTHENTICATED, reply
    assert "served by" not in reply.grpc_message  # the backend never saw it


@pytest.mark.parametrize(
    "token",
    [
        mint_dev_token(SECRET, issuer=ISSUER),
        mint_dev_token(SECRET, issuer=ISSUER, extra={"app_metadata": {"role": "operator"}}),
        mint_dev_token(SECRET, issuer=ISSUER, user_id=f"{{{uuid.uuid4()}}}".upper()),
    ],
    ids=["user", "operator", "non-canonical-sub"],
)
async def test_valid_tokens_pass_the_edge(edge: EnvoyServer, token: str) -> None:
    # Operators are users with a role in app_metadata: the edge lets them through like anyone signed in
    # (the operator check is the service's). A sub in another UUID spelling is the service's to canonicalise.
    async with H2Client(edge.address) as client:
        reply = await client.call(LIST, body=grpc_frame(b""), token=token, wait=SLACK_S)
    assert (reply.grpc_status, reply.grpc_message) == (FAILED_PRECONDITION, "served by analyzer"), reply


async def test_health_reflection_and_other_paths_need_no_token(edge: EnvoyServer) -> None:
    async with H2Client(edge.address) as client:
        health = await client.call("/grpc.health.v1.Health/Check", body=grpc_frame(b""), wait=SLACK_S)
    assert health.grpc_status == 0, health
    # Anything outside the gRPC service prefixes (the web app's files, /config.json) is not the edge
    # check's business: no 401 here. It goes to the web cluster, which this gateway has no server for: 503.
    async with httpx.AsyncClient(timeout=SLACK_S) as http:
        response = await http.get(f"{edge.url}/config.json")
    assert response.status_code == 503 and "upstream" in response.text


async def test_a_grpc_web_body_that_stops_mid_frame_is_cut_by_the_request_timeout(edge: EnvoyServer) -> None:
    # The frame header promises 1 MiB, 10 bytes follow, and the HTTP body promises more than it delivers.
    # Before: the route timeout starts only once a request is complete, so this call was never answered.
    partial = grpc_frame(b"x" * 10, declared_length=1 << 20)
    started = time.monotonic()
    reply = await grpc_web_call(
        edge.address,
        LIST,
        body=partial,
        content_length=(1 << 20) + 5,
        token=mint_dev_token(SECRET, issuer=ISSUER),
        wait=1 + SLACK_S,
    )
    assert reply.grpc_status == grpc.StatusCode.DEADLINE_EXCEEDED.value[0], reply
    assert time.monotonic() - started < 1 + SLACK_S


async def test_native_headers_without_end_of_stream_are_cut_too(edge: EnvoyServer) -> None:
    async with H2Client(edge.address) as client:
        stream = await client.start(
            LIST, body=None, token=mint_dev_token(SECRET, issuer=ISSUER), end_stream=False
        )
        reply = await client.finish(stream, wait=1 + SLACK_S)
    assert reply.grpc_status == grpc.StatusCode.DEADLINE_EXCEEDED.value[0], reply


async def test_a_complete_call_the_upstream_never_answers_is_cut_at_the_unary_bound(
    envoy_factory: Callable[..., EnvoyServer], fake_backends: dict[str, int]
) -> None:
    # An empty gRPC-web POST is a complete request with no message: an upstream that never answers it (as
    # grpc.aio did) used to hold the call past the 60 s route timeout, because with grpc_timeout_header_max
    # set and no grpc-timeout header Envoy applied no deadline at all. Here the upstream is a silent socket.
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    try:
        gateway = envoy_factory(
            **{**fake_backends, "analyzer": silent.getsockname()[1]},
            edge_auth=EdgeAuth(issuer=ISSUER, hs256_secret=SECRET),
            limits=GatewayLimits(unary_timeout="2s"),
        )
        started = time.monotonic()
        reply = await grpc_web_call(
            gateway.address, LIST, body=b"", token=mint_dev_token(SECRET, issuer=ISSUER), wait=2 + SLACK_S
        )
        assert reply.answered, reply
        assert time.monotonic() - started < 2 + SLACK_S
        assert reply.grpc_status not in (
            None,
            grpc.StatusCode.UNKNOWN.value[0],
            grpc.StatusCode.INTERNAL.value[0],
        ), reply
    finally:
        silent.close()


async def test_an_oversized_token_fails_that_call_only(edge: EnvoyServer) -> None:
    # Before: a 200 kB header made Envoy reset the whole HTTP/2 connection (GOAWAY, an HPACK error), failing
    # every other call on it as UNAVAILABLE. Up to Envoy's ceiling (256 KiB) the token now reaches jwt_authn
    # and only its own call fails; the calls beside it on the same channel succeed.
    async with grpc.aio.insecure_channel(edge.address) as channel:
        stub = activity_service_pb2_grpc.ActivityServiceStub(channel)
        good = (("authorization", f"Bearer {mint_dev_token(SECRET, issuer=ISSUER)}"),)
        request = activity_service_pb2.ListActivitiesRequest()
        before = stub.ListActivities(request, metadata=good, timeout=10)
        for size in (40_000, 200_000, 250_000):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.ListActivities(
                    request, metadata=(("authorization", "Bearer " + "x" * size),), timeout=10
                )
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, (size, err.value)
        for call in (before, stub.ListActivities(request, metadata=good, timeout=10)):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.details() == "served by analyzer"


async def test_a_raw_client_with_an_oversized_header_loses_only_that_call(edge: EnvoyServer) -> None:
    token = mint_dev_token(SECRET, issuer=ISSUER)
    async with H2Client(edge.address) as client:
        big = await client.start(
            LIST, body=grpc_frame(b""), headers=[("x-padding", "p" * 200_000)], token=token
        )
        fine = await client.start(LIST, body=grpc_frame(b""), token=token)
        big_reply, fine_reply = await client.finish(big, SLACK_S), await client.finish(fine, SLACK_S)
        assert client.peer_settings.get(6) == 256 * 1024  # SETTINGS_MAX_HEADER_LIST_SIZE, told up front
    assert big_reply.goaway_code is None and not big_reply.connection_closed, big_reply
    assert fine_reply.grpc_message == "served by analyzer", fine_reply


async def test_grpc_web_oversized_headers_are_refused_for_that_request(edge: EnvoyServer) -> None:
    # HTTP/1.1 carries one call per request: Envoy answers 431 before it has parsed the headers (so before
    # it can know the call is gRPC-web), and the next call is served as usual.
    reply = await grpc_web_call(edge.address, LIST, body=grpc_frame(b""), token="x" * 300_000, wait=SLACK_S)
    assert reply.http_status == 431, reply
    token = mint_dev_token(SECRET, issuer=ISSUER)
    after = await grpc_web_call(edge.address, LIST, body=grpc_frame(b""), token=token, wait=SLACK_S)
    assert after.grpc_message == "served by analyzer", after


async def test_a_body_over_the_limit_is_resource_exhausted(edge: EnvoyServer) -> None:
    good = (("authorization", f"Bearer {mint_dev_token(SECRET, issuer=ISSUER)}"),)
    async with grpc.aio.insecure_channel(edge.address) as channel:
        stub = activity_service_pb2_grpc.ActivityServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            huge = activity_service_pb2.ListActivitiesRequest(page_token="p" * (1 << 20))
            await stub.ListActivities(huge, metadata=good, timeout=10)
    assert (err.value.code(), err.value.details()) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "the request is larger than the gateway accepts (1 MiB)",
    )


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    document = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.document)))
        self.end_headers()
        self.wfile.write(self.document)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def jwks_url() -> Iterator[tuple[str, Any]]:
    """A local JWKS endpoint publishing one ES256 key (Supabase's asymmetric mode); yields (url, private key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    _JwksHandler.document = json.dumps(
        {"keys": [{**public, "kid": "main", "alg": "ES256", "use": "sig"}]}
    ).encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/auth/v1/.well-known/jwks.json", key
    server.shutdown()
    server.server_close()


async def test_jwks_mode_accepts_the_projects_keys_only(
    envoy_factory: Callable[..., EnvoyServer], fake_backends: dict[str, int], jwks_url: tuple[str, Any]
) -> None:
    url, key = jwks_url
    issuer = url.removesuffix("/.well-known/jwks.json")
    gateway = envoy_factory(**fake_backends, edge_auth=EdgeAuth(issuer=issuer, jwks_url=url))
    good = jwt.encode(claims(iss=issuer), key, algorithm="ES256", headers={"kid": "main"})
    stranger = jwt.encode(
        claims(iss=issuer),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": "main"},
    )
    hs256_with_a_guess = jwt.encode(claims(iss=issuer), "x" * 40, algorithm="HS256")
    async with H2Client(gateway.address) as client:
        # The JWKS is fetched in the background at start: the first calls may come before it arrived.
        for _ in range(50):
            accepted = await client.call(LIST, body=grpc_frame(b""), token=good, wait=SLACK_S)
            if accepted.grpc_status != UNAUTHENTICATED:
                break
            await asyncio.sleep(0.1)
        refused = [
            await client.call(LIST, body=grpc_frame(b""), token=t, wait=SLACK_S)
            for t in (stranger, hs256_with_a_guess)
        ]
    assert accepted.grpc_message == "served by analyzer", accepted
    assert [r.grpc_status for r in refused] == [UNAUTHENTICATED, UNAUTHENTICATED], refused
