"""The analyzer process killed mid-work, as a real `python -m analyzer_service` process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer_testkit.stand_ins import DECODE_STARTED_FILE
from fitcoach_stack.pytest_plugin import env_for

if TYPE_CHECKING:
    from conftest import Harness

TESTS_DIR = Path(__file__).resolve().parent


def _start(env: dict[str, str], log: Path, stand_in: str | None = None) -> subprocess.Popen[bytes]:
    """`python -m analyzer_service`, or the same service running a stand-in (the test-only entry point)."""
    argv = ["-m", "analyzer_testkit.serve", stand_in] if stand_in else ["-m", "analyzer_service"]
    # Its own session, so the kill takes its decode workers and forkserver along.
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, *argv],
            env=env_for(env, {"PYTHONPATH": str(TESTS_DIR)}),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


def _kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> int:
    os.killpg(process.pid, sig)
    return process.wait(timeout=20)


async def test_killed_before_commit_is_redelivered_and_processed_once(
    analyzer_factory: Any, good_run: bytes, tmp_path: Path
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
    first = _start({**env, DECODE_STARTED_FILE: str(started)}, log, "slow")
    try:
        deadline = time.monotonic() + 30
        while not (started.exists() and started.read_text() == upload.sha256):
            assert time.monotonic() < deadline and first.poll() is None, log.read_text()[-3000:]
            await asyncio.sleep(0.02)
    finally:
        assert _kill(first) == -signal.SIGKILL
    row = await hands.state(upload.activity_id)
    assert (row["status"], row["attempts"]) == ("analyzing", 1)  # died after the download, before commit
    assert row["lease_until"] is not None  # its lease stays until it runs out: nobody released it
    assert await hands.pool.fetchval("SELECT count(*) FROM analyzer.results") == 0
    assert hands.advisor.calls == 0

    second = _start(env, log)
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
        # SIGTERM: graceful stop, exit code 0.
        code = _kill(second, signal.SIGTERM)
    assert code == 0, log.read_text()[-3000:]
    assert str(uuid.UUID(upload.activity_id)) in log.read_text()  # log lines carry the activity id
