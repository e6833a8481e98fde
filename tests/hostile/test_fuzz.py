"""Request fuzzing through the gateway (catalogue 27, 28): every FitCoach RPC — discovered from the generated
descriptors, so new ones are covered without editing this file — gets Hypothesis-built requests (hostile
field values and raw malformed bodies) over native gRPC and gRPC-web. No answer may be INTERNAL or UNKNOWN,
none may take longer than the bound, and every service still serves afterwards.

`make test` runs FUZZ_EXAMPLES (200) derandomized examples per RPC. A longer, randomized run:
    FITCOACH_TEST_FUZZ_EXAMPLES=5000 FITCOACH_TEST_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/hostile/test_fuzz.py
"""

from __future__ import annotations

import os
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach_stack.stack import Stack
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from support.fuzz import Rpc, fitcoach_rpcs, request_bodies
from support.grpc_web import parse_frames

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RPCS = fitcoach_rpcs()
FUZZ_EXAMPLES = int(os.environ.get("FITCOACH_TEST_FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("FITCOACH_TEST_FUZZ_RANDOM", "") == "1"
# No call may take longer: the gateway cuts unary calls at 60 s, but a well-behaved service answers every
# one of these at once; 20 s only keeps a loaded 2-core machine from failing a correct run.
BOUND_S = 20.0
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
MAX_STREAM_MESSAGES = 3  # a stream that answers is read this far, then closed


@dataclass
class Clients:
    stack: Stack
    channel: grpc.Channel
    http: httpx.Client
    token: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)


@pytest.fixture(scope="module")
def clients(stack: Stack) -> Iterator[Clients]:
    with grpc.insecure_channel(stack.gateway_address) as channel, httpx.Client(timeout=BOUND_S) as http:
        yield Clients(stack, channel, http, stack.token(str(uuid.uuid4())))


def native_call(clients: Clients, rpc: Rpc, body: bytes) -> grpc.StatusCode:
    """One call over native gRPC with `body` as the request's serialized bytes; the status it ended with."""
    try:
        if rpc.server_streaming:
            stream = clients.channel.unary_stream(rpc.path)(body, metadata=clients.metadata, timeout=BOUND_S)
            for count, _ in enumerate(stream, 1):
                if count >= MAX_STREAM_MESSAGES:
                    stream.cancel()
                    return grpc.StatusCode.OK
            return grpc.StatusCode.OK
        clients.channel.unary_unary(rpc.path)(body, metadata=clients.metadata, timeout=BOUND_S)
        return grpc.StatusCode.OK
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]


def web_call(clients: Clients, rpc: Rpc, body: bytes) -> grpc.StatusCode:
    """The same over gRPC-web (HTTP/1.1 through Envoy's grpc_web filter)."""
    response = clients.http.post(
        clients.stack.gateway_url + rpc.path,
        content=struct.pack(">BI", 0, len(body)) + body,
        headers={
            "content-type": "application/grpc-web+proto", "x-grpc-web": "1",
            "authorization": f"Bearer {clients.token}",
        },
    )  # fmt: skip
    _, trailers = parse_frames(response.content)
    status = trailers.get("grpc-status", response.headers.get("grpc-status"))
    # Envoy's own answers (a route it does not forward) may keep their HTTP status; the gRPC status is there.
    assert status is not None, (response.status_code, response.headers)
    return {c.value[0]: c for c in grpc.StatusCode}[int(status)]


@pytest.mark.parametrize("rpc", RPCS, ids=lambda rpc: rpc.name)
def test_no_request_gets_internal_unknown_or_hangs(clients: Clients, rpc: Rpc) -> None:
    if rpc.client_streaming:
        pytest.fail(f"{rpc.name} streams requests: teach the fuzzer to send several messages")

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=request_bodies(rpc))
    def each_request(body: bytes) -> None:
        for transport, call in (("native", native_call), ("grpc-web", web_call)):
            started = time.monotonic()
            code = call(clients, rpc, body)
            elapsed = time.monotonic() - started
            assert code not in FORBIDDEN, f"{rpc.name} over {transport} answered {code.name} to {body!r}"
            assert elapsed < BOUND_S, f"{rpc.name} over {transport} took {elapsed:.1f} s for {body!r}"

    each_request()
    assert_every_service_serves(clients)


def assert_every_service_serves(clients: Clients) -> None:
    health = health_pb2_grpc.HealthStub(clients.channel)  # type: ignore[no-untyped-call]
    for upstream in ("upload", "analyzer", "advisor"):
        reply = health.Check(
            health_pb2.HealthCheckRequest(), metadata=(("fitcoach-upstream", upstream),), timeout=10
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, upstream
    listed = act_grpc.ActivityServiceStub(clients.channel).ListActivities(
        act_pb.ListActivitiesRequest(), metadata=clients.metadata, timeout=10
    )
    assert isinstance(listed, act_pb.ListActivitiesResponse)


def test_every_rpc_in_the_descriptors_is_fuzzed() -> None:
    # Discovery, not a hand-written list: the three services' RPCs are all here (and any added later).
    names = {rpc.name for rpc in RPCS}
    assert {
        "UploadService.CreateUpload", "UploadService.CompleteUpload", "ActivityService.GetActivity",
        "ActivityService.ListActivities", "ActivityService.WatchActivity", "ActivityService.GetAthleteProfile",
        "ActivityService.UpdateAthleteProfile", "ActivityService.GetFitnessTrend", "AdvisorService.GenerateAdvice",
    } <= names  # fmt: skip
