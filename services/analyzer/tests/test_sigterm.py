"""Catalogue item 11: SIGTERM to a real `python -m analyzer_service` process while it has work in flight.

Health turns NOT_SERVING at once; work in flight finishes within SHUTDOWN_GRACE_S and is acked; work not yet
started stays in the stream for the next process; work that outlasts the grace is left unacked and the next
process analyzes it. Either way every upload ends with exactly one result and one advice.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fitcoach_runtime.grpc_client import insecure_channel
from grpc_health.v1 import health_pb2, health_pb2_grpc

if TYPE_CHECKING:
    from conftest import Harness
    from fitcoach_stack.service_process import ServiceProcess

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _consumer_env(hands: Harness, *, ack_wait_s: float) -> dict[str, str]:
    """The process's own consumer on, two jobs at a time in two decode workers."""
    return {
        **hands.env,
        "CONSUMER_ENABLED": "true",
        "CONSUMER_CONCURRENCY": "2",
        "DECODE_WORKERS": "2",
        "CONSUMER_ACK_WAIT_S": str(ack_wait_s),
    }


async def _statuses(hands: Harness, activity_ids: list[str]) -> list[str | None]:
    return [row["status"] if (row := await hands.state(a)) else None for a in activity_ids]


async def _wait_analyzing(hands: Harness, activity_ids: list[str], count: int, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while (await _statuses(hands, activity_ids)).count("analyzing") < count:
        assert time.monotonic() < deadline, await _statuses(hands, activity_ids)
        await asyncio.sleep(0.05)


async def test_sigterm_reports_not_serving_finishes_in_flight_work_and_leaves_the_rest_queued(
    analyzer_factory: Any, good_run: bytes, tmp_path: Path, analyzer_processes: Callable[..., ServiceProcess]
) -> None:
    # The in-process harness is only the test's hands (DB, S3, NATS, advisor); its consumer is off.
    hands: Harness = await analyzer_factory(CONSUMER_ENABLED="false")
    env = {**_consumer_env(hands, ack_wait_s=3), "SHUTDOWN_GRACE_S": "60"}
    log = tmp_path / "analyzer.log"
    ids = [(await hands.submit(good_run)).activity_id for _ in range(4)]

    # Decoding takes 2.5 s, so two jobs are surely in flight when SIGTERM arrives.
    first = analyzer_processes(env, log, "slow")
    async with insecure_channel(f"127.0.0.1:{await first.port()}") as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        assert (await asyncio.wait_for(watch.read(), 10)).status == SERVING
        await _wait_analyzing(hands, ids, 2)
        in_flight = [a for a, s in zip(ids, await _statuses(hands, ids), strict=True) if s == "analyzing"]
        first.send(signal.SIGTERM)
        # At once, before the work in flight ends; 10 s only so that a loaded machine cannot fail it.
        assert (await asyncio.wait_for(watch.read(), 10)).status == NOT_SERVING
        watch.cancel()  # an open watch would hold the gRPC server for the whole grace period
    # The jobs' own time (2.5 s), not the whole 60 s grace: a generous bound, so a loaded machine cannot break
    # it, that still proves the process stopped once its work was done.
    assert await first.exit_code(within_s=40) == 0, first.tail()

    # The two jobs in flight finished and were acked; the other two were never started.
    for activity_id in ids:
        row = await hands.state(activity_id)
        if activity_id in in_flight:
            assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 1)
        else:
            assert row is None, dict(row)
    info = await hands.consumer_info()
    assert (info.num_ack_pending, info.num_pending) == (0, 2)
    messages = [r["msg"] for r in first.records()]
    assert messages.index("analyzer stopping") < messages.index("analyzer stopped")

    # The next process takes the rest; nothing is analyzed twice.
    second = analyzer_processes(env, log)
    for activity_id in ids:
        row = await hands.settled(activity_id, within_s=30)
        assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 1)
    second.send(signal.SIGTERM)
    # Idle, it stops in about a second; the bound is only there so a hung stop fails instead of waiting 60 s.
    assert await second.exit_code(within_s=30) == 0, second.tail()
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 4
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 4
    assert hands.advisor.calls == 4
    info = await hands.consumer_info()
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0)


async def test_work_outlasting_the_grace_is_left_unacked_and_redelivered_to_the_next_process(
    analyzer_factory: Any, good_run: bytes, tmp_path: Path, analyzer_processes: Callable[..., ServiceProcess]
) -> None:
    hands: Harness = await analyzer_factory(CONSUMER_ENABLED="false")
    env = _consumer_env(hands, ack_wait_s=2)
    log = tmp_path / "analyzer.log"
    ids = [(await hands.submit(good_run)).activity_id for _ in range(2)]

    # A 0.5 s grace against 2.5 s decodes: the jobs are cancelled, their decode workers killed, no ack sent,
    # and their leases released, so the next process need not wait for them to run out (120 s).
    env["ANALYSIS_LEASE_S"] = "120"
    first = analyzer_processes({**env, "SHUTDOWN_GRACE_S": "0.5"}, log, "slow")
    await first.port()
    await _wait_analyzing(hands, ids, 2)
    first.send(signal.SIGTERM)
    # What proves the grace was kept is the outcome below (the work left unfinished), not how fast it exits:
    # the bound only stops a hung process from holding the test.
    assert await first.exit_code(within_s=30) == 0, first.tail()
    assert await _statuses(hands, ids) == ["analyzing", "analyzing"]
    assert [(await hands.state(a))["lease_until"] for a in ids] == [None, None]  # released on the way out
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 0
    assert (await hands.consumer_info()).num_ack_pending == 2  # delivered, never acked

    second = analyzer_processes({**env, "SHUTDOWN_GRACE_S": "10"}, log)
    for activity_id in ids:
        row = await hands.settled(activity_id, within_s=30)
        # Analyzed again from scratch after the redelivery: the second attempt, one result.
        assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 2)
    second.send(signal.SIGTERM)
    assert await second.exit_code(within_s=30) == 0, second.tail()  # idle: as above
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 2
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 2
    assert hands.advisor.calls == 2
    info = await hands.consumer_info()
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    assert info.delivered.consumer_seq == 4  # two first deliveries, two redeliveries
