"""The chaos soak, short: uploads through the whole system while every kind of part is SIGKILLed and
started again (the upload service, the analyzer, the advisor, Envoy, NATS and PostgreSQL, each at least once),
then the ledger of what became of every upload (fitcoach_stack.soak). The long run is `bench/chaos.py`
(1,000 uploads, figures in the README)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fitcoach_stack.chaos import KINDS, ChaosMonkey
from fitcoach_stack.fixtures import FIT
from fitcoach_stack.soak import plan_uploads, run_soak
from fitcoach_stack.stack import Stack

# A killed analyzer's events come back after the ack wait: 10 s instead of 60 keeps the test short.
SERVICE_ENV = {"CONSUMER_ACK_WAIT_S": "10"}


@pytest.fixture
def chaos_stack(tmp_path: Path, s3_server: Any) -> Iterator[Stack]:
    """The whole system with its own PostgreSQL and NATS (the monkey kills them; SeaweedFS, which it does not
    kill, is the session's)."""
    env = {**s3_server.env(), "R2_BUCKET_NAME": f"chaos-{uuid.uuid4().hex[:8]}"}
    with Stack(tmp_path / "stack", env=env, durable=False, service_env=SERVICE_ENV) as stack:
        yield stack


@pytest.mark.slow
def test_uploads_survive_every_kind_of_kill_with_nothing_lost_or_doubled(chaos_stack: Stack) -> None:
    # On the main thread: the monkey starts the killed parts again, and they die with the thread that forks.
    monkey = ChaosMonkey(chaos_stack, pause_s=(0.3, 1.5), down_s=(0.0, 1.0), seed=20261204)
    # 96 uploads (72 good, 24 broken) started 4 a second: they keep coming while the monkey goes round.
    plan = plan_uploads(FIT, 96, seed=7)
    ledger = run_soak(chaos_stack, plan, concurrency=6, rate_per_s=4, monkey=monkey, settle_timeout_s=150)
    print(ledger.text())
    assert set(ledger.kills) == set(KINDS) and min(ledger.kills.values()) >= 1, ledger.text()
    # The kills reached the client: calls were refused and retried, never given up.
    assert ledger.client_retries > 0, ledger.text()
    assert (ledger.good, ledger.broken) == (72, 24)
    assert ledger.good_analyzed_once == 72, ledger.text()
    assert ledger.broken_failed_with_reason == 24, ledger.text()
    assert ledger.advice_written >= 1 and ledger.analyses + ledger.analyses_unlogged == 72, ledger.text()
    assert (ledger.lost, ledger.doubled) == (0, 0), ledger.text()
