"""UploadCompleted → metrics → advice, on real PostgreSQL, NATS, S3 and the real advisor."""

from __future__ import annotations

import asyncio
import hashlib
import math
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb
from fitcoach_stack.fixtures import FILE_ID_DEFINITION, make_fit_file

if TYPE_CHECKING:
    from conftest import Harness


async def test_real_run_is_analyzed_with_metrics_and_advice(analyzer: Harness, good_run: bytes) -> None:
    upload = await analyzer.submit(good_run)
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "analyzed"
    assert row["advice_status"] == "ready"
    assert row["analysis_started_at"] <= row["analyzed_at"] <= row["advised_at"]

    activity = await analyzer.get(upload.activity_id, upload.user_id)
    assert activity.status == pb.ACTIVITY_STATUS_ANALYZED
    assert activity.advice_status == pb.ADVICE_STATUS_READY
    assert activity.sport == "running"
    assert activity.analyzer_version
    assert activity.record_count == 2809
    assert activity.device == "garmin fenix2"
    assert activity.file_name == "my run.fit"
    # The device's own session says 9008.22 m and 2832 s; it has no heart rate, so that one is computed.
    assert activity.summary.distance_m == pytest.approx(9008.22, abs=0.01)
    assert activity.summary.timer_time_s == pytest.approx(2832.0)
    assert 140 < activity.summary.avg_hr_bpm < 170
    assert activity.summary.HasField("calories_kcal")
    assert activity.summary.avg_speed_mps > 0
    assert activity.start_time.ToDatetime().year == 2015
    (session,) = activity.sessions
    assert session.device.distance_m == pytest.approx(9008.22, abs=0.01)
    assert not session.device.HasField("avg_hr_bpm")
    assert session.computed.HasField("avg_hr_bpm")
    assert len(session.laps) == 4
    assert len(session.splits_km) >= 9  # 9.008 km
    assert session.hr_zones
    assert 0 < len(session.streams.elapsed_s) <= 500
    assert len(session.streams.heart_rate_bpm) == len(session.streams.elapsed_s)
    assert not any(math.isnan(v) for v in session.streams.elapsed_s)
    assert activity.advice.summary
    assert activity.advice.engine == advisor_pb.ENGINE_OFFLINE
    assert activity.advice.input_hash
    for stage in ("created_at", "uploaded_at", "analysis_started_at", "analyzed_at", "advised_at"):
        assert activity.times.HasField(stage), stage
    assert not activity.times.HasField("failed_at")
    assert analyzer.advisor.calls == 1
    # The call names its activity, so the advisor's request log can be counted per activity.
    assert analyzer.advisor.activity_ids == [upload.activity_id]
    stored = await analyzer.pool.fetchrow("SELECT * FROM analyzer.advice")
    assert stored["engine"] == "ENGINE_OFFLINE"
    assert stored["prompt_version"] and stored["input_hash"] and stored["request_hash"]
    await analyzer.acked()


async def test_broken_file_fails_with_reason_while_a_good_one_beside_it_succeeds(
    analyzer: Harness, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    broken = await analyzer.submit(fit_file("broken-truncated.fit"))
    good = await analyzer.submit(good_run)
    bad_row = await analyzer.settled(broken.activity_id)
    good_row = await analyzer.settled(good.activity_id)
    assert bad_row["status"] == "failed"
    assert bad_row["failure_reason"].startswith("not a valid FIT file: ")
    assert bad_row["failed_at"] is not None
    assert good_row["status"] == "analyzed"
    activity = await analyzer.get(broken.activity_id, broken.user_id)
    assert activity.status == pb.ACTIVITY_STATUS_FAILED
    assert activity.failure_reason == bad_row["failure_reason"]
    assert activity.times.HasField("failed_at")
    # term(), not a retry: the bad event is never delivered again.
    info = await analyzer.acked(2)
    await asyncio.sleep(0.5)
    assert (await analyzer.consumer_info()).delivered.consumer_seq == info.delivered.consumer_seq == 2
    assert (await analyzer.state(broken.activity_id))["attempts"] == 1
    assert (
        await analyzer.pool.fetchval(
            "SELECT count(*) FROM analyzer.results WHERE activity_id = $1", uuid.UUID(broken.activity_id)
        )
        == 0
    )


@pytest.mark.parametrize(
    "name",
    ["broken-empty.fit", "broken-not-a-fit.fit", "broken-huge-header-size.fit", "broken-random-body.fit"],
)
async def test_every_kind_of_broken_file_fails_with_a_readable_reason(
    analyzer: Harness, name: str, fit_file: Callable[[str], bytes]
) -> None:
    upload = await analyzer.submit(fit_file(name))
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "failed"
    assert row["failure_reason"].startswith("not a valid FIT file: ")


@pytest.mark.parametrize("body", [b"", FILE_ID_DEFINITION], ids=["header only", "definitions only"])
async def test_a_file_without_activity_data_fails_and_no_advice_is_asked_for(
    analyzer: Harness, body: bytes
) -> None:
    upload = await analyzer.submit(make_fit_file(body))
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "failed"
    assert row["failure_reason"].startswith("no activity data: ")
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    assert activity.status == pb.ACTIVITY_STATUS_FAILED
    assert activity.advice_status != pb.ADVICE_STATUS_READY and not activity.HasField("advice")
    assert analyzer.advisor.calls == 0
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 0


async def test_zero_padding_after_the_file_is_analyzed_with_a_warning(
    analyzer: Harness, good_run: bytes
) -> None:
    upload = await analyzer.submit(good_run + bytes(512))
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "analyzed"
    warnings = await analyzer.pool.fetchval(
        "SELECT warnings FROM analyzer.results WHERE activity_id = $1", uuid.UUID(upload.activity_id)
    )
    assert f"zero padding after the last FIT file @ {len(good_run)} (512 bytes) ignored" in str(warnings)


async def test_sha256_mismatch_fails_the_activity(analyzer: Harness, good_run: bytes) -> None:
    upload = await analyzer.submit(good_run, declared_sha256=hashlib.sha256(b"something else").hexdigest())
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "failed"
    assert row["failure_reason"] == "file does not match its declared sha256"
    assert analyzer.advisor.calls == 0


@pytest.mark.parametrize("analyzer_overrides", [{"MAX_UPLOAD_BYTES": "100000"}], indirect=True)
async def test_object_over_the_byte_cap_fails(analyzer: Harness, good_run: bytes) -> None:
    assert len(good_run) > 100_000
    upload = await analyzer.submit(good_run)
    row = await analyzer.settled(upload.activity_id)
    assert row["status"] == "failed"
    assert row["failure_reason"] == "the file is larger than the 100000 byte limit"


async def test_redelivered_event_after_commit_gives_one_result_and_one_advice(
    analyzer: Harness, good_run: bytes
) -> None:
    upload = await analyzer.add_upload(good_run)
    await analyzer.publish(upload)
    await analyzer.settled(upload.activity_id)
    # The same event again (as after a crash between commit and ack, or a replay) — a new stream message.
    await analyzer.publish(upload)
    deadline = asyncio.get_running_loop().time() + 10
    while (await analyzer.consumer_info()).delivered.stream_seq < 2 or (
        await analyzer.consumer_info()
    ).num_ack_pending:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.advice") == 1
    assert analyzer.advisor.calls == 1
    assert (await analyzer.state(upload.activity_id))["attempts"] == 1


async def test_decoder_time_limit_fails_the_file_and_the_service_keeps_going(
    analyzer_factory: Any, good_run: bytes
) -> None:
    # A decoder that never returns (pathological by construction, however fast the real one gets).
    stuck = await analyzer_factory("hang", DECODE_TIMEOUT_S="1")
    slow = await stuck.submit(good_run)
    row = await stuck.settled(slow.activity_id, within_s=30)
    assert row["status"] == "failed"
    assert row["failure_reason"] == "decoding took longer than 1 s"
    # The service is healthy: the next file is taken at once (and fails the same way, quickly).
    nxt = await stuck.submit(good_run + b"\0")
    assert (await stuck.settled(nxt.activity_id, within_s=10))[
        "failure_reason"
    ] == "decoding took longer than 1 s"
    info = await stuck.acked(2)
    assert info.delivered.consumer_seq == 2  # each delivered once: terminated, not retried


async def test_advisor_outage_leaves_metrics_visible_and_advice_is_retried(
    analyzer: Harness, good_run: bytes
) -> None:
    analyzer.advisor.fail_next = 3  # the client's 3 attempts of the first delivery all fail
    upload = await analyzer.submit(good_run)
    pending = await analyzer.wait_for(upload.activity_id, lambda r: r["status"] == "analyzed")
    assert pending["advice_status"] == "pending"  # metrics first, advice later
    row = await analyzer.settled(upload.activity_id)
    assert row["advice_status"] == "ready"
    assert analyzer.advisor.calls == 4
    assert await analyzer.pool.fetchval("SELECT count(*) FROM analyzer.results") == 1
    assert (await analyzer.state(upload.activity_id))["attempts"] == 1  # the redelivery did not re-analyze


async def test_advice_is_told_how_much_history_the_athlete_has_up_to_that_day(
    analyzer: Harness, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    """Counted from the analyzer's own tables, over the athlete's days up to the workout's day only."""
    run = await analyzer.submit(good_run)  # 2015-08-15
    await analyzer.settled(run.activity_id)
    later = await analyzer.submit(fit_file("multisport-fenix2-long.fit"), user_id=run.user_id)  # 2015-08-29
    await analyzer.settled(later.activity_id)
    older = await analyzer.submit(fit_file("cycle-edge500-long-laps.fit"), user_id=run.user_id)  # 2011
    await analyzer.settled(older.activity_id)
    first, second, third = analyzer.advisor.requests[-3:]
    assert first.history.active_days == 1 and first.history.days_since_first_activity == 0
    assert not first.history.HasField("days_since_previous_activity")
    assert (
        second.history.days_since_first_activity,
        second.history.active_days,
        second.history.weeks_with_data,
        second.history.days_since_previous_activity,
    ) == (14, 2, 2, 14)
    # Later activities are not this one's history: four years earlier, the ride was the first.
    assert third.history.active_days == 1 and third.history.days_since_first_activity == 0
    assert second.workout.sport == "multisport" and not second.workout.HasField("dive_count")
