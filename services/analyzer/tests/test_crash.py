"""The analyzer process killed mid-work, as a real `python -m analyzer_service` process."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer_testkit.stand_ins import DECODE_STARTED_FILE

if TYPE_CHECKING:
    from conftest import Harness
    from fitcoach_stack.service_process import ServiceProcess


async def test_killed_before_commit_is_redelivered_and_processed_once(
    analyzer_factory: Any, good_run: bytes, tmp_path: Path, analyzer_processes: Callable[..., ServiceProcess]
) -> None:
    # The in-process harness only serves as the test's hands (DB, S3, NATS, advisor); its consumer is off.
    hands: Harness = await analyzer_factory(CONSUMER_ENABLED="false")
    # The killed process leaves its lease behind (3 s): the next one takes the activity over when it runs out.
    env = {
        **hands.env, "CONSUMER_ENABLED": "true", "CONSUMER_ACK_WAIT_S": "2", "ANALYSIS_LEASE_S": "3",
        "CONSUMER_NAK_BASE_DELAY_S": "0.5", "LOG_FORMAT": "json",
    }  # fmt: skip
    log = tmp_path / "analyzer.log"
    started = tmp_path / "decode-started"
    upload = await hands.submit(good_run)

    # The first process downloads the object and hands it to a decoder that takes 2.5 s; it is killed once
    # the decoder holds the object's bytes (so after the download) and long before anything is committed.
    first = analyzer_processes({**env, DECODE_STARTED_FILE: str(started)}, log, "slow")
    try:
        deadline = time.monotonic() + 30
        while not (started.exists() and started.read_text() == upload.sha256):
            assert time.monotonic() < deadline and first.running(), first.tail()
            await asyncio.sleep(0.02)
    finally:
        assert first.kill() == -signal.SIGKILL
    row = await hands.state(upload.activity_id)
    assert (row["status"], row["attempts"]) == ("analyzing", 1)  # died after the download, before commit
    assert row["lease_until"] is not None  # its lease stays until it runs out: nobody released it
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 0
    assert hands.advisor.calls == 0

    second = analyzer_processes(env, log)
    try:
        row = await hands.settled(upload.activity_id, within_s=30)
        assert row["status"] == "analyzed" and row["advice_status"] == "ready"
        assert row["attempts"] == 2  # the redelivery analyzed it again, from scratch
        # The same event once more (a replay): nothing changes.
        await hands.publish(upload)
        deadline = time.monotonic() + 10
        while (await hands.consumer_info()).num_pending or (await hands.consumer_info()).num_ack_pending:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
        assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 1
        assert hands.advisor.calls == 1
    finally:
        second.send(signal.SIGTERM)  # a graceful stop: exit code 0
        code = await second.exit_code(within_s=30)
    assert code == 0, second.tail()
    assert str(uuid.UUID(upload.activity_id)) in log.read_text()  # log lines carry the activity id
