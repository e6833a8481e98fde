"""What the analyzer tells the advisor: the workout's numbers, the trend, and how much history exists."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from analyzer_service.advisor_client import to_proto
from analyzer_service.domain import AdviceRequest, UploadJob
from analyzer_service.pipeline import advice_request, request_hash, result_from_analysis
from fitcoach_analysis import analyze
from fitcoach_analysis.load import TrainingHistory, fitness_trend, training_history
from fitcoach_stack.fixtures import FIT_CORPUS as CORPUS

JOB = UploadJob(
    activity_id="00000000-0000-0000-0000-000000000001",
    user_id="00000000-0000-0000-0000-000000000002",
    bucket="b",
    object_key="k",
    size_bytes=1,
    sha256="0" * 64,
)


def _dive_request(history: TrainingHistory) -> AdviceRequest:
    analysis = analyze((CORPUS / "dive-apnea-descent-mk1.fit").read_bytes())
    result = result_from_analysis(JOB, analysis, None)
    assert result.local_date is not None
    days = fitness_trend(
        {result.local_date: result.training_load or 0.0}, result.local_date, result.local_date
    )
    return advice_request(result, None, days, history)


def test_a_dives_numbers_and_the_history_reach_the_advisor() -> None:
    first = training_history([], dt.date(2023, 5, 27))
    request = _dive_request(first)
    assert request.workout["dive_count"] == 2 and isinstance(request.workout["dive_count"], int)
    assert request.workout["max_depth_m"] == 28.622
    assert request.workout["surface_interval_s"] == 1856.0
    assert request.history == {"days_since_first_activity": 0, "active_days": 1, "weeks_with_data": 1}
    message = to_proto(request)
    assert message.HasField("history") and message.history.active_days == 1
    assert not message.history.HasField("days_since_previous_activity")
    assert message.workout.dive_count == 2 and message.workout.bottom_time_s == 133.626


def test_the_request_hash_follows_the_history() -> None:
    # Advice is asked again only when its inputs change: the same history gives the same hash, and an
    # earlier activity added later (a new active day before this one) gives a new one.
    history = TrainingHistory(
        days_since_first_activity=30, active_days=12, weeks_with_data=5, days_since_previous_activity=2
    )
    same = request_hash(_dive_request(history))
    assert request_hash(_dive_request(history)) == same
    more = dataclasses.replace(history, active_days=13)
    assert request_hash(_dive_request(more)) != same


def test_the_advisor_gets_the_moving_pace_beside_the_moving_time() -> None:
    # The summary's avg_speed_mps is the device's (over timer time); the advisor talks of moving time and of
    # the pace over it, so it is given the moving speed, with a pause in the run between the two.
    analysis = analyze((CORPUS / "run-fr610-pauses.fit").read_bytes())
    result = result_from_analysis(JOB, analysis, None)
    request = advice_request(result, None, [], training_history([], dt.date(2011, 1, 1)))
    summary = analysis["summary"]
    assert summary["moving_speed_mps"] > summary["avg_speed_mps"]
    assert request.workout["avg_speed_mps"] == summary["moving_speed_mps"]
    assert request.workout["moving_time_s"] == summary["moving_time_s"]
    covered = request.workout["avg_speed_mps"] * request.workout["moving_time_s"]
    assert covered == pytest.approx(summary["distance_m"], rel=0.005)
