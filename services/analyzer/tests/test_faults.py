"""Faults around the analyzer: work slower than ack_wait, and PostgreSQL refusing connections for a while."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from analyzer_service.advisor_client import GrpcAdvisor
from analyzer_service.consumer import UploadConsumer
from analyzer_service.domain import AdviceRequest, AdvisorUnavailable, UploadJob
from analyzer_service.objects import ObjectReader
from analyzer_service.pipeline import AnalysisPipeline
from analyzer_service.repository import Repository
from analyzer_service.settings import ConsumerSettings
from analyzer_service.worker import DecodePool, WorkerLimits
from fitcoach_analysis import ANALYZER_VERSION
from fitcoach_runtime.grpc_client import insecure_channel
from fitcoach_runtime.settings import load_settings

if TYPE_CHECKING:
    from conftest import CountingAdvisor, Harness


@pytest.mark.parametrize(
    "analyzer_overrides",
    [{"CONSUMER_ACK_WAIT_S": "1", "stand_in": "slow"}],
    indirect=True,
)
async def test_work_slower_than_ack_wait_is_kept_alive_and_processed_once(
    analyzer: Harness, good_run: bytes
) -> None:
    upload = await analyzer.submit(good_run)
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "analyzed"
    assert row["attempts"] == 1
    info = await analyzer.consumer_info()
    assert info.num_redelivered == 0 and info.num_ack_pending == 0
    assert analyzer.advisor.calls == 1


@pytest.mark.parametrize(
    "analyzer_overrides",
    [{"CONSUMER_NAK_BASE_DELAY_S": "0.1", "CONSUMER_NAK_MAX_DELAY_S": "0.5", "CONSUMER_MAX_DELIVER": "20"}],
    indirect=True,
)
async def test_postgres_refusing_connections_delays_the_work_and_loses_nothing(
    analyzer: Harness, good_run: bytes, pg_server: str, database_url: str
) -> None:
    upload = await analyzer.add_upload(good_run)
    database = database_url.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        await analyzer.publish(upload)
        deadline = time.monotonic() + 10
        while (await analyzer.consumer_info()).delivered.consumer_seq < 3:  # nak'ed and redelivered, twice
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "analyzed" and row["advice_status"] == "ready"
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.dead_letters") == 0
    assert (await analyzer.state(upload.activity_id))["attempts"] == 1  # the failed deliveries never got in
    info = await analyzer.consumer_info()
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_crash_after_commit_before_ack_is_redelivered_and_deduplicated(
    analyzer_factory: Any, good_run: bytes
) -> None:
    """The same stream message comes back (num_delivered=2); Postgres says done; the advisor is not asked again."""
    hands: Harness = await analyzer_factory(CONSUMER_ENABLED="false")
    channel = insecure_channel(hands.settings.advisor.addr)
    workers = DecodePool(WorkerLimits(30, 512), 1)
    await workers.start()
    pipeline = AnalysisPipeline(
        Repository(hands.pool), ObjectReader(hands.s3, 10_000_000), workers,
        GrpcAdvisor(channel, token=hands.settings.advisor.service_token, timeout_s=5, attempts=1),
        analyzer_version=ANALYZER_VERSION,
    )  # fmt: skip
    deliveries: list[tuple[int, str]] = []

    async def process_then_die(job: UploadJob, final: bool) -> str:
        outcome = await pipeline.process(job, final_attempt=final)
        deliveries.append((len(deliveries) + 1, outcome))
        if len(deliveries) == 1:
            raise asyncio.CancelledError  # the process "dies" here: committed, never acked
        return outcome

    settings = load_settings(
        ConsumerSettings, {"CONSUMER_ACK_WAIT_S": "1", "CONSUMER_FETCH_TIMEOUT_S": "0.5"}
    )
    repo = Repository(hands.pool)
    consumer = UploadConsumer(
        hands.js,
        hands.settings.nats.stream,
        settings,
        process_then_die,
        lambda letter, fail: repo.write_dead_letter(letter, fail_activity=fail),
    )
    await consumer.start()
    try:
        upload = await hands.submit(good_run)
        deadline = time.monotonic() + 15
        while len(deliveries) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert deliveries == [(1, "analyzed"), (2, "skipped")]
        while (await hands.consumer_info()).num_ack_pending:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert hands.advisor.calls == 1
        assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
        assert (await hands.state(upload.activity_id))["attempts"] == 1
    finally:
        await consumer.stop(1)
        await channel.close()
        await workers.close()


async def test_nats_restart_mid_stream_loses_nothing(
    analyzer: Harness, good_run: bytes, nats_server: Any
) -> None:
    before = await analyzer.submit(good_run)
    assert (await analyzer.settled(before.activity_id))["status"] == "analyzed"
    await asyncio.to_thread(nats_server.stop)
    await asyncio.sleep(0.5)  # the consumer's fetches fail meanwhile
    await asyncio.to_thread(nats_server.start)
    deadline = time.monotonic() + 15
    while True:  # the test's own connection reconnects too
        try:
            after = await analyzer.submit(good_run)  # another user: same bytes are fine
            break
        except Exception:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
    row = await analyzer.settled(after.activity_id, within_s=30)
    assert row["status"] == "analyzed" and row["attempts"] == 1


async def test_a_wrong_service_token_is_refused_by_the_advisor_and_not_retried(
    advisor: tuple[CountingAdvisor, int],
) -> None:
    servicer, port = advisor
    request = AdviceRequest(
        language="en", workout={"sport": "running", "distanceM": 5000.0, "movingTimeS": 1500.0},
        recent_days=[], athlete={},
    )  # fmt: skip
    async with insecure_channel(f"127.0.0.1:{port}") as channel:
        wrong = GrpcAdvisor(channel, token="not-the-advisor-token-" + "w" * 32, timeout_s=5, attempts=3)
        started = time.monotonic()
        with pytest.raises(AdvisorUnavailable, match="UNAUTHENTICATED") as caught:
            await wrong.generate(request, "h1")
        assert time.monotonic() - started < 0.5  # one attempt: no backoff sleeps for a credential problem
        assert "not-the-advisor-token" not in str(caught.value)
        assert servicer.calls == 0  # refused before the servicer (and so before Gemini)

        right = GrpcAdvisor(channel, token=servicer.SERVICE_TOKEN, timeout_s=5, attempts=3)
        record = await right.generate(request, "h1")
    assert record.engine == "ENGINE_OFFLINE" and record.request_hash == "h1"
    assert servicer.calls == 1
