"""Hostile requests from an operator (catalogue 27, 28 for OpsService): the request fuzzer's hostile field
values sent with an operator's token, so they reach the servicers (an athlete's are refused first, which
tests/hostile/test_fuzz.py covers). No answer may be INTERNAL or UNKNOWN or take longer than the bound.

MigrateLegacy is left out here: a random request could name a real folder of this machine and migrate it
(say "/" with a valid user id); its inputs have targeted tests (services/upload/tests/test_migration.py:
test_bad_requests_get_a_clear_error, and redact_dsn for monster DSNs)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import grpc
import pytest
from fitcoach_stack.stack import Stack
from hypothesis import HealthCheck, given, settings
from support.fuzz import Rpc, fitcoach_rpcs, request_bodies

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OPS_RPCS = [
    r for r in fitcoach_rpcs() if r.path.startswith("/fitcoach.ops.v1.") and "MigrateLegacy" not in r.path
]
EXAMPLES = 40
BOUND_S = 20.0  # every one of these answers at once; the margin is for a loaded 2-core machine


@pytest.fixture(scope="module")
def operator_channel(stack: Stack) -> Iterator[tuple[grpc.Channel, tuple[tuple[str, str], ...]]]:
    with grpc.insecure_channel(stack.gateway_address) as channel:
        yield channel, (("authorization", f"Bearer {stack.token(str(uuid.uuid4()), operator=True)}"),)


@pytest.mark.parametrize("rpc", OPS_RPCS, ids=lambda rpc: rpc.name)
def test_operator_requests_never_get_internal_unknown_or_hang(
    operator_channel: tuple[grpc.Channel, tuple[tuple[str, str], ...]], rpc: Rpc
) -> None:
    channel, metadata = operator_channel

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(body=request_bodies(rpc))
    def each_request(body: bytes) -> None:
        started = time.monotonic()
        try:
            if rpc.server_streaming:
                for _ in channel.unary_stream(rpc.path)(body, metadata=metadata, timeout=BOUND_S):
                    pass
            else:
                channel.unary_unary(rpc.path)(body, metadata=metadata, timeout=BOUND_S)
            code = grpc.StatusCode.OK
        except grpc.RpcError as exc:
            code = exc.code()
        elapsed = time.monotonic() - started
        assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (
            f"{rpc.name}: {code} for {body!r}"
        )
        assert elapsed < BOUND_S, f"{rpc.name} took {elapsed:.1f} s for {body!r}"

    each_request()


def test_every_ops_rpc_but_the_migration_is_fuzzed() -> None:
    assert {r.name for r in OPS_RPCS} == {
        "OpsService.Replay", "OpsService.ListDeadLetters", "OpsService.RedriveDeadLetters",
        "OpsService.GetPipelineStats", "OpsService.GetStorageCost", "OpsService.ListMigrationRuns",
    }  # fmt: skip
