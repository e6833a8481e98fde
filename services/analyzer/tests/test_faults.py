"""Faults around the analyzer: work slower than ack_wait, and PostgreSQL refusing connections for a while."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
    info = await analyzer.acked()
    assert info.delivered.consumer_seq == 1  # delivered once: in_progress() kept it from a redelivery
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
    await analyzer.acked()


class MessageRecordingConsumer(UploadConsumer):
    """The real consumer, noting each message as JetStream hands it over: (stream sequence, delivery count)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.messages: list[tuple[int, int]] = []

    async def _handle(self, msg: Any) -> None:
        self.messages.append((msg.metadata.sequence.stream, msg.metadata.num_delivered))
        await super()._handle(msg)


async def test_crash_after_commit_before_ack_is_redelivered_and_deduplicated(
    analyzer_factory: Any, good_run: bytes
) -> None:
    """The same stream message comes back (delivery 2, as JetStream counts it); Postgres says done; it is acked
    and the advisor is not asked again."""
    hands: Harness = await analyzer_factory(CONSUMER_ENABLED="false")
    channel = insecure_channel(hands.settings.advisor.addr)
    workers = DecodePool(WorkerLimits(30, 512), 1)
    await workers.start()
    pipeline = AnalysisPipeline(
        Repository(hands.pool), ObjectReader(hands.s3, 10_000_000), workers,
        GrpcAdvisor(channel, token=hands.settings.advisor.service_token, timeout_s=5, attempts=1),
        analyzer_version=ANALYZER_VERSION,
    )  # fmt: skip
    outcomes: list[str] = []

    async def process_then_die(job: UploadJob, final: bool) -> str:
        outcome = await pipeline.process(job, final_attempt=final)
        outcomes.append(outcome)
        if len(outcomes) == 1:
            raise asyncio.CancelledError  # the process "dies" here: committed, never acked
        return outcome

    settings = load_settings(
        ConsumerSettings, {"CONSUMER_ACK_WAIT_S": "1", "CONSUMER_FETCH_TIMEOUT_S": "0.5"}
    )
    repo = Repository(hands.pool)
    consumer = MessageRecordingConsumer(
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
        while len(outcomes) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        while (await hands.consumer_info()).num_ack_pending:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        # One stream message, delivered twice: analyzed the first time, found done (and acked) the second.
        assert consumer.messages == [(1, 1), (1, 2)]
        assert outcomes == ["analyzed", "skipped"]
        assert hands.advisor.calls == 1
        assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
        assert (await hands.state(upload.activity_id))["attempts"] == 1
        info = await hands.consumer_info()
        assert (info.ack_floor.stream_seq, info.num_pending) == (1, 0)  # acked at last
    finally:
        await consumer.stop(1)
        await channel.close()
        await workers.close()


@pytest.mark.parametrize(
    "analyzer_overrides",
    [{"stand_in": "slow", "DECODE_WORKERS": "2", "CONSUMER_CONCURRENCY": "2", "CONSUMER_ACK_WAIT_S": "3"}],
    indirect=True,
)
async def test_nats_restart_mid_stream_loses_nothing(
    analyzer: Harness, good_run: bytes, nats_server: Any
) -> None:
    # Six events; decoding takes 2.5 s and two run at a time, so NATS goes down with two in flight (delivered,
    # not yet acked) and four waiting in the stream.
    uploads = [await analyzer.add_upload(good_run) for _ in range(6)]
    for upload in uploads:
        await analyzer.publish(upload)
    ids = [u.activity_id for u in uploads]
    deadline = time.monotonic() + 30
    while [r["status"] if (r := await analyzer.state(a)) else None for a in ids].count("analyzing") < 2:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    info = await analyzer.consumer_info()
    assert (info.num_ack_pending, info.num_pending) == (2, 4), info

    await asyncio.to_thread(
        nats_server.stop
    )  # mid-stream: the in-flight jobs finish and ack while it is down
    await asyncio.sleep(1.0)
    await asyncio.to_thread(nats_server.start)  # the same port and store

    for activity_id in ids:
        row = await analyzer.settled(activity_id, within_s=60)
        assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 1)
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 6
    assert analyzer.advisor.calls == 6
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.dead_letters") == 0
    deadline = time.monotonic() + 30
    while True:  # the test's own connection reconnects too; acks lost in the outage come back as redeliveries
        with contextlib.suppress(Exception):
            info = await analyzer.consumer_info()
            if (info.num_ack_pending, info.num_pending) == (0, 0):
                break
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)


async def test_a_wrong_service_token_is_refused_by_the_advisor_and_not_retried(
    advisor: tuple[CountingAdvisor, int], caplog: pytest.LogCaptureFixture
) -> None:
    servicer, port = advisor
    request = AdviceRequest(
        language="en", workout={"sport": "running", "distanceM": 5000.0, "movingTimeS": 1500.0},
        recent_days=[], athlete={},
    )  # fmt: skip
    async with insecure_channel(f"127.0.0.1:{port}") as channel:
        wrong = GrpcAdvisor(channel, token="not-the-advisor-token-" + "w" * 32, timeout_s=5, attempts=3)
        with caplog.at_level(logging.WARNING, "analyzer_service.advisor_client"):
            with pytest.raises(AdvisorUnavailable, match="UNAUTHENTICATED") as caught:
                await wrong.generate(request, "h1")
        # One attempt of the three allowed: a credential problem is not retried.
        attempts = [r.fields["attempt"] for r in caplog.records if r.getMessage() == "advisor call failed"]
        assert attempts == [1]
        assert "not-the-advisor-token" not in str(caught.value)
        assert servicer.calls == 0  # refused before the servicer (and so before Gemini)

        right = GrpcAdvisor(channel, token=servicer.SERVICE_TOKEN, timeout_s=5, attempts=3)
        record = await right.generate(request, "h1")
    assert record.engine == "ENGINE_OFFLINE" and record.request_hash == "h1"
    assert servicer.calls == 1
