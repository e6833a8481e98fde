"""Catalogue item 8: Gemini answering 429, 500 or not at all, seen from the whole analysis pipeline.

The analyzer talks to the real advisor (advisor_service.main.start, GEMINI_API_KEY set), whose google-genai
client talks to the advisor tests' fake Gemini over HTTP. Whatever Gemini does, the metrics are stored, the
advice comes from the offline coach within the advisor's time budget, and Gemini is not asked again.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from advisor_service.gemini import GeminiCoach
from advisor_service.service import Advisor
from advisor_service.servicer import SERVICE_NAME as ADVISOR_SERVICE
from advisor_service.servicer import AdvisorServicer
from advisor_service.settings import GeminiSettings
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb
from fitcoach.advisor.v1.advisor_service_pb2_grpc import add_AdvisorServiceServicer_to_server
from fitcoach_runtime.grpc_server import GrpcService, start_server
from fitcoach_runtime.settings import load_settings

if TYPE_CHECKING:
    from conftest import Harness


def _load_advisor_fakes() -> Any:
    """The advisor tests' fake Gemini (their conftest cannot be imported by name under importlib mode)."""
    path = Path(__file__).resolve().parents[2] / "advisor" / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location("advisor_tests_fake_gemini", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


advisor_fakes = _load_advisor_fakes()
Reply = advisor_fakes.Reply

# One Gemini attempt may take 1 s; the three attempts and their backoff (about 3.2 s when Gemini never
# answers) fit into the 5 s total with room to spare, so a loaded machine still makes all three before the
# budget ends them — and 5 s stays well inside the analyzer's 10 s deadline for the advisor's answer.
GEMINI_ENV = {
    "GEMINI_TIMEOUT_S": "1",
    "GEMINI_RETRIES": "2",
    "GEMINI_BACKOFF_S": "0.05",
    "GEMINI_TOTAL_TIMEOUT_S": "5",
}


@pytest.fixture
async def gemini() -> AsyncIterator[Any]:
    async with advisor_fakes.serving_fake_gemini() as fake:
        yield fake


@pytest.fixture
async def advisor(gemini: Any) -> AsyncIterator[tuple[None, int]]:
    """Overrides conftest's offline advisor: the advisor's own parts (GEMINI_* settings → GeminiCoach →
    Advisor → AdvisorServicer) with a Gemini key, aimed at the fake. Built from the parts rather than
    main.start so this test is about Gemini failing, not about how the analyzer authenticates to the advisor."""
    env = {
        "GEMINI_API_KEY": gemini.API_KEY,
        "GEMINI_BASE_URL": gemini.url,
        "GEMINI_MODEL": "gemini-2.5-flash",
        **GEMINI_ENV,
    }
    coach = GeminiCoach(load_settings(GeminiSettings, env).config())
    running = await start_server(
        "127.0.0.1:0",
        [GrpcService(ADVISOR_SERVICE, add_AdvisorServiceServicer_to_server, AdvisorServicer(Advisor(coach)))],
        verifier=None,
    )
    yield None, running.port
    await running.stop(0)
    await coach.aclose()


OUTAGES = {
    "429 throughout": (Reply(status=429), "Gemini answered HTTP 429"),
    "500 throughout": (Reply(status=500), "Gemini answered HTTP 500"),
    "no answer in time": (Reply(delay_s=10), "Gemini timed out"),
}


@pytest.mark.parametrize(("reply", "reason"), OUTAGES.values(), ids=OUTAGES.keys())
async def test_gemini_outage_stores_metrics_and_offline_advice_in_bounded_time(
    analyzer: Harness,
    gemini: Any,
    good_run: bytes,
    reply: Any,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gemini.default = reply
    caplog.set_level(logging.WARNING, "analyzer_service.advisor_client")
    upload = await analyzer.submit(good_run)
    row = await analyzer.settled(upload.activity_id, within_s=20)

    assert row["status"] == "analyzed" and row["advice_status"] == "ready"
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    assert activity.summary.distance_m > 9000  # the metrics do not depend on Gemini
    assert activity.advice.engine == advisor_pb.ENGINE_OFFLINE
    assert activity.advice.fallback_reason == reason
    assert activity.advice.summary and activity.advice.next_session
    assert len(gemini.requests) == 3  # the first attempt and GEMINI_RETRIES=2 more, then the offline coach
    assert gemini.violations == []
    # The advisor's own budget (GEMINI_TOTAL_TIMEOUT_S) bounded the wait: its one call answered within the analyzer's advisor
    # deadline (10 s) — no call failed or timed out on the analyzer's side, none was retried — and within the
    # first delivery (attempts == 1, nothing redelivered).
    assert [r for r in caplog.records if r.getMessage() == "advisor call failed"] == []
    assert row["attempts"] == 1
    info = await analyzer.acked()
    assert info.delivered.consumer_seq == 1  # one delivery: nothing redelivered

    # The same event again (redelivery or replay): the offline advice stands, Gemini is not asked again.
    await analyzer.publish(upload)
    deadline = time.monotonic() + 10
    while (info := await analyzer.consumer_info()).delivered.stream_seq < 2 or info.num_ack_pending:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert len(gemini.requests) == 3
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 1


async def test_gemini_recovering_within_the_budget_writes_gemini_advice(
    analyzer: Harness, gemini: Any, good_run: bytes
) -> None:
    gemini.script(Reply(status=429), Reply(status=503))  # then the default: a good answer
    upload = await analyzer.submit(good_run)
    row = await analyzer.settled(upload.activity_id, within_s=20)
    assert row["status"] == "analyzed" and row["advice_status"] == "ready"
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    assert activity.status == pb.ACTIVITY_STATUS_ANALYZED
    assert activity.advice.engine == advisor_pb.ENGINE_GEMINI
    assert activity.advice.model == "gemini-2.5-flash"
    assert activity.advice.summary == advisor_fakes.ADVICE_EN["summary"]
    assert not activity.advice.fallback_reason
    assert len(gemini.requests) == 3
    assert gemini.violations == []  # the prompt carried numbers only, with the key and the advice schema
