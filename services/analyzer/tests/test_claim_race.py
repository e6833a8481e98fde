"""Catalogue items 33 and 34: two deliveries of one event at the same time, and a bug that is not a bad file.

JetStream delivers at least once: a redelivery after an ack timeout or a replay beside live traffic can put the
same activity in two deliveries' hands at the same moment. Exactly one analyzes it and asks the advisor; the
other is told to come back later (`busy`), and when it does the activity is done. An analyzer that dies while
holding an activity leaves a lease that runs out, and the next delivery takes the activity over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from analyzer_service.domain import ActivityBusy, ClaimOutcome
from analyzer_service.pipeline import INTERNAL_ERROR_REASON, result_from_analysis
from analyzer_service.repository import Repository
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach_analysis import ANALYZER_VERSION, analyze
from prometheus_client import REGISTRY

if TYPE_CHECKING:
    from conftest import Harness


def _events(outcome: str) -> float:
    """The analyzer's own count of deliveries with this outcome (fitcoach_analyzer_events_total)."""
    return REGISTRY.get_sample_value("fitcoach_analyzer_events_total", {"outcome": outcome}) or 0.0


@pytest.mark.parametrize(
    "analyzer_overrides",
    [
        {
            "stand_in": "slow",
            "DECODE_WORKERS": "2",
            "CONSUMER_CONCURRENCY": "4",
            "CONSUMER_NAK_BASE_DELAY_S": "0.2",
        }
    ],
    indirect=True,
)
async def test_two_deliveries_at_once_analyze_once_and_ask_the_advisor_once(
    analyzer: Harness, good_run: bytes
) -> None:
    busy_before, skipped_before = _events("busy"), _events("skipped")
    upload = await analyzer.add_upload(good_run)
    # The same event as two stream messages (a replay beside live traffic, or a republish past the duplicate
    # window): the consumer fetches both in one batch and works on them side by side, each decode taking
    # 2.5 s, two decode workers free.
    await analyzer.publish(upload)
    await analyzer.publish(upload)
    row = await analyzer.settled(upload.activity_id)
    await analyzer.acked(2)
    assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 1)
    assert analyzer.advisor.calls == 1
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 1
    # The second delivery met the first one's lease while it was at work: they really ran at the same time.
    assert _events("busy") > busy_before
    assert row["claim_token"] is None and row["lease_until"] is None  # settled: the lease ended
    assert _events("skipped") > skipped_before  # the busy one came back later, found the work done, acked


async def test_concurrent_claims_hand_an_activity_to_exactly_one_delivery(analyzer: Harness) -> None:
    repo = Repository(analyzer.pool)
    upload = await analyzer.add_upload(b"any bytes", put=False)  # the upload row a claim looks for
    activity_id, user_id = upload.activity_id, upload.user_id
    claims = await asyncio.gather(*(repo.claim(activity_id, user_id, ANALYZER_VERSION, 30) for _ in range(8)))
    outcomes = sorted(c.outcome.value for c in claims)
    assert outcomes == ["analyze"] + ["busy"] * 7
    assert all(0 < c.retry_in_s <= 30 for c in claims if c.outcome is ClaimOutcome.BUSY)

    # The advice phase is guarded the same way: metrics stored, advice pending, two deliveries at once.
    (winner,) = [c for c in claims if c.outcome is ClaimOutcome.ANALYZE]
    await repo.store_result(_result(activity_id, user_id), winner.token)
    await repo.release_lease(activity_id, winner.token)  # the delivery failed to get advice (advisor down)
    again = await asyncio.gather(*(repo.claim(activity_id, user_id, ANALYZER_VERSION, 30) for _ in range(4)))
    assert sorted(c.outcome.value for c in again) == ["advise", "busy", "busy", "busy"]


@pytest.mark.parametrize(
    "analyzer_overrides", [{"ANALYSIS_LEASE_S": "2", "CONSUMER_NAK_BASE_DELAY_S": "0.2"}], indirect=True
)
async def test_an_activity_left_analyzing_by_a_dead_analyzer_is_taken_over_when_its_lease_runs_out(
    analyzer: Harness, good_run: bytes
) -> None:
    busy_before = _events("busy")
    upload = await analyzer.add_upload(good_run)
    # A delivery claimed it, then its analyzer died: `analyzing`, a lease nobody renews or ends.
    dead = await Repository(analyzer.pool).claim(upload.activity_id, upload.user_id, ANALYZER_VERSION, 2)
    assert dead.outcome is ClaimOutcome.ANALYZE
    await analyzer.publish(upload)
    row = await analyzer.settled(upload.activity_id)
    assert (row["status"], row["advice_status"], row["attempts"]) == ("analyzed", "ready", 2)
    assert _events("busy") > busy_before  # it waited for the lease rather than working beside it
    assert analyzer.advisor.calls == 1
    await analyzer.acked(1)


async def test_a_delivery_whose_lease_was_taken_over_writes_nothing(analyzer: Harness) -> None:
    repo = Repository(analyzer.pool)
    upload = await analyzer.add_upload(b"any bytes", put=False)  # the upload row a claim looks for
    activity_id, user_id = upload.activity_id, upload.user_id
    stalled = await repo.claim(activity_id, user_id, ANALYZER_VERSION, 1)
    await asyncio.sleep(1.1)  # it stalls past its lease (a paused VM, a stopped process) ...
    taker = await repo.claim(activity_id, user_id, ANALYZER_VERSION, 30)
    assert taker.outcome is ClaimOutcome.ANALYZE  # ... and another delivery takes the activity over
    with pytest.raises(ActivityBusy):
        await repo.store_result(_result(activity_id, user_id), stalled.token)
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 0  # rolled back
    assert not await repo.renew_lease(activity_id, stalled.token, 30)
    await repo.store_result(_result(activity_id, user_id), taker.token)
    assert (await analyzer.state(activity_id))["status"] == "analyzed"


async def test_a_bug_in_the_metrics_code_is_an_internal_error_and_is_analyzed_again_after_the_fix(
    analyzer_factory: Any, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    buggy: Harness = await analyzer_factory("buggy_metrics")
    upload = await buggy.submit(good_run)
    bad = await buggy.submit(fit_file("broken-truncated.fit"))
    row = await buggy.settled(upload.activity_id)
    assert (row["status"], row["failure_kind"]) == ("failed", "internal_error")
    assert row["failure_reason"] == INTERNAL_ERROR_REASON  # what the athlete reads: not "bad file"
    assert row["error_detail"].startswith("ZeroDivisionError: float division by zero")  # for operators
    assert row["claim_token"] is None
    bad_row = await buggy.settled(bad.activity_id)
    assert (bad_row["status"], bad_row["failure_kind"]) == ("failed", "bad_file")
    activity = await buggy.get(upload.activity_id, upload.user_id)
    assert activity.status == pb.ACTIVITY_STATUS_FAILED
    assert activity.failure_kind == pb.FAILURE_KIND_INTERNAL_ERROR
    assert (await buggy.get(bad.activity_id, bad.user_id)).failure_kind == pb.FAILURE_KIND_BAD_FILE
    # Operators find them with one query.
    internal = await buggy.pool.fetch(
        "SELECT activity_id::text AS id FROM analyzer.activities WHERE failure_kind = 'internal_error'"
    )
    assert [r["id"] for r in internal] == [upload.activity_id]
    info = await buggy.acked(2)
    assert info.delivered.consumer_seq == 2  # terminated, not retried: the same code would fail the same way
    assert buggy.advisor.calls == 0

    # The fix is deployed; the events come again (a replay): the internal error is analyzed again, the bad
    # file stays failed without another attempt.
    await buggy.stop()
    fixed: Harness = await analyzer_factory()
    await fixed.publish(upload)
    await fixed.publish(bad)
    row = await fixed.wait_for(
        upload.activity_id, lambda r: r["status"] == "analyzed" and r["advice_status"] == "ready"
    )
    assert row["attempts"] == 2 and row["failure_kind"] is None and row["error_detail"] is None
    await fixed.acked(4)
    bad_row = await fixed.state(bad.activity_id)
    assert (bad_row["status"], bad_row["attempts"]) == ("failed", 1)
    assert (await fixed.get(upload.activity_id, upload.user_id)).failure_kind == pb.FAILURE_KIND_UNSPECIFIED
    assert fixed.advisor.calls == 1


def _result(activity_id: str, user_id: str) -> Any:
    """A stored analysis for repository-level tests (the analysis of a tiny synthetic run)."""
    from analyzer_service.domain import UploadJob
    from analyzer_service.worker import warm_up_file

    job = UploadJob(activity_id, user_id, "bucket", "key", 0, "0" * 64)
    return result_from_analysis(job, analyze(warm_up_file()), None)
