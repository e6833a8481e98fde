"""Retry policy of the consumer on a real NATS: nak with growing delay, dead letter after max deliveries."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import nats
import pytest
from analyzer_service.consumer import UploadConsumer, nak_delay
from analyzer_service.domain import DeadLetter, UploadJob
from analyzer_service.ops_repository import OpsRepository
from analyzer_service.repository import Repository, pool_init
from analyzer_service.settings import ConsumerSettings
from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.db import apply_migrations
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED
from fitcoach_runtime.settings import load_settings

if TYPE_CHECKING:
    from conftest import Harness


async def _dead_letters(pool: asyncpg.Pool) -> list[DeadLetter]:
    """The unresolved dead letters, oldest first (what an operator's re-drive would take)."""
    return [stored.letter for stored in await OpsRepository(pool).dead_letters_to_redrive(None)]


def _event(activity_id: str, user_id: str) -> bytes:
    return events_pb2.UploadCompleted(
        event_id=str(uuid.uuid4()),
        activity_id=activity_id,
        user_id=user_id,
        bucket="b",
        object_key=f"users/{user_id}/activities/{activity_id}.fit",
        size_bytes=10,
        sha256="0" * 64,
    ).SerializeToString()


def test_nak_delay_grows_with_deliveries_up_to_the_cap() -> None:
    settings = load_settings(
        ConsumerSettings, {"CONSUMER_NAK_BASE_DELAY_S": "2", "CONSUMER_NAK_MAX_DELAY_S": "30"}
    )
    assert [nak_delay(settings, n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


async def test_infrastructure_errors_are_retried_with_growing_delay_then_dead_lettered(
    database_url: str, nats_server: Any, stream_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=pool_init())
    await apply_migrations(pool, "analyzer", "analyzer_service")
    repo = Repository(pool)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    settings = load_settings(ConsumerSettings, {
        "CONSUMER_MAX_DELIVER": "4", "CONSUMER_NAK_BASE_DELAY_S": "0.25", "CONSUMER_FETCH_TIMEOUT_S": "0.5",
        "CONSUMER_ACK_WAIT_S": "5",
    })  # fmt: skip
    deliveries: list[tuple[float, bool]] = []

    async def process(job: UploadJob, final: bool) -> str:
        deliveries.append((time.monotonic(), final))
        raise ConnectionRefusedError("database is down")

    async def dead_letter(letter: DeadLetter, fail: bool) -> None:
        await repo.write_dead_letter(letter, fail_activity=fail)

    consumer = UploadConsumer(js, stream_name, settings, process, dead_letter)
    caplog.set_level(logging.WARNING, "analyzer_service.consumer")
    await consumer.start()
    try:
        activity_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
        ack = await js.publish(SUBJECT_UPLOAD_COMPLETED, _event(activity_id, user_id))
        # Four deliveries and their delays take about 2 s; the bound only keeps a stuck consumer from hanging
        # the test, and is generous so that a loaded machine cannot fail it.
        deadline = time.monotonic() + 30
        while not (
            await pool.fetchval("SELECT count(*) FROM analyzer.dead_letters")
            and (await js.consumer_info(stream_name, "analyzer")).num_ack_pending == 0
        ):
            assert time.monotonic() < deadline, deliveries
            await asyncio.sleep(0.05)
        # Dead-lettered and terminated (nothing pending an ack): JetStream never delivers it again, so the
        # count below is final.
        assert len(deliveries) == 4
        assert [final for _, final in deliveries] == [False, False, False, True]
        # The delay asked for doubles with each delivery (the consumer's own decision, from the message's
        # delivery count) ...
        asked = [
            r.fields["delay_s"]
            for r in caplog.records
            if r.getMessage() == "processing failed; retrying later"
        ]
        assert asked == [0.25, 0.5, 1.0]
        # ... and JetStream honoured each one: a redelivery never came sooner (a loaded machine only adds to a
        # gap, so this lower bound cannot fail for want of speed).
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(deliveries)]
        for gap, delay in zip(gaps, asked, strict=True):
            assert gap >= delay * 0.9, gaps
        (letter,) = await _dead_letters(pool)
        assert letter.stream == stream_name and letter.stream_seq == ack.seq
        assert letter.activity_id == activity_id and letter.num_delivered == 4
        assert letter.error == "ConnectionRefusedError: database is down"
        info = await js.consumer_info(stream_name, "analyzer")
        assert info.num_ack_pending == 0 and info.num_pending == 0
    finally:
        await consumer.stop(1)
        await nc.close()
        await pool.close()


async def test_unreadable_event_is_dead_lettered_at_once(
    database_url: str, nats_server: Any, stream_name: str
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=pool_init())
    await apply_migrations(pool, "analyzer", "analyzer_service")
    repo = Repository(pool)
    nc = await nats.connect(nats_server.url)
    calls = 0

    async def process(job: UploadJob, final: bool) -> str:
        nonlocal calls
        calls += 1
        return "analyzed"

    consumer = UploadConsumer(
        nc.jetstream(),
        stream_name,
        load_settings(ConsumerSettings, {"CONSUMER_FETCH_TIMEOUT_S": "0.5"}),
        process,
        lambda letter, fail: repo.write_dead_letter(letter, fail_activity=fail),
    )
    await consumer.start()
    try:
        ack = await nc.jetstream().publish(SUBJECT_UPLOAD_COMPLETED, b"\xff\xff not protobuf")
        deadline = time.monotonic() + 10
        while not (letters := await _dead_letters(pool)):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert letters[0].stream_seq == ack.seq and letters[0].num_delivered == 1
        assert letters[0].error.startswith("payload is not an UploadCompleted")
        assert calls == 0
    finally:
        await consumer.stop(1)
        await nc.close()
        await pool.close()


@pytest.mark.parametrize(
    "analyzer_overrides", [{"CONSUMER_MAX_DELIVER": "3", "CONSUMER_NAK_BASE_DELAY_S": "0.1"}], indirect=True
)
async def test_missing_object_is_retried_then_dead_lettered_and_the_activity_fails(
    analyzer: Harness, good_run: bytes
) -> None:
    # The store answers NoSuchKey: not the file's fault (it may be a lagging replica), so it is retried.
    upload = await analyzer.add_upload(good_run, put=False)
    seq = await analyzer.publish(upload)
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "failed"
    assert row["failure_reason"].startswith("analysis gave up after 3 attempts")
    assert row["attempts"] == 3
    letter = await analyzer.pool.fetchrow("SELECT * FROM analyzer.dead_letters")
    assert letter["stream_seq"] == seq and letter["num_delivered"] == 3
    assert "NoSuchKey" in letter["error"]
