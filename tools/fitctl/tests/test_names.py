"""Enum → name conversion and the JSON shape of metrics/advice, in the one module that does it."""

from __future__ import annotations

import json
import math

from fitcoach.activity.v1 import activity_service_pb2 as activity_pb
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb
from fitctl.convert import (
    activity_dict,
    advice_status_name,
    enum_name,
    is_final,
    json_line,
    metrics_dict,
    status_name,
)


def test_every_activity_status_has_a_short_lower_case_name() -> None:
    names = {
        value.number: status_name(value.number) for value in activity_pb.ActivityStatus.DESCRIPTOR.values
    }
    assert names == {
        0: None,
        1: "pending",
        2: "uploaded",
        3: "analyzing",
        4: "analyzed",
        5: "failed",
        6: "duplicate",
    }
    assert status_name(99) == "99"  # a newer server's value survives as its number
    assert [advice_status_name(n) for n in range(4)] == [None, "pending", "ready", "failed"]
    assert enum_name(advisor_pb.Engine.DESCRIPTOR, advisor_pb.ENGINE_GEMINI) == "gemini"


def test_final_states() -> None:
    assert is_final("failed", None) and is_final("duplicate", None)
    assert is_final("analyzed", "ready") and is_final("analyzed", "failed")
    assert not is_final("analyzed", "pending") and not is_final("analyzing", None)


def test_metrics_dict_names_every_field_and_nulls_the_unset_ones() -> None:
    metrics = metrics_dict(activity_pb.MetricSet(distance_m=0.0, avg_hr_bpm=151.5))
    assert set(metrics) == {f.name for f in activity_pb.MetricSet.DESCRIPTOR.fields}
    assert metrics["distance_m"] == 0.0  # set to zero is not unset
    assert metrics["avg_hr_bpm"] == 151.5
    assert metrics["timer_time_s"] is None and metrics["training_load_method"] is None


def test_activity_dict_advice_and_nan_free_json() -> None:
    activity = activity_pb.Activity(
        activity_id="a1",
        status=activity_pb.ACTIVITY_STATUS_ANALYZED,
        advice_status=activity_pb.ADVICE_STATUS_READY,
    )
    activity.advice.CopyFrom(
        advisor_pb.Advice(summary="s", went_well=["w"], engine=advisor_pb.ENGINE_OFFLINE, language="en")
    )
    activity.start_time.FromSeconds(0)
    session = activity.sessions.add(sport="running")
    session.streams.heart_rate_bpm.extend([math.nan, 100.0])
    brief = activity_dict(activity)
    assert brief["status"] == "analyzed" and brief["advice_status"] == "ready"
    assert brief["start_time"] == "1970-01-01T00:00:00Z"
    assert brief["metrics"] is None and brief["error"] is None
    assert brief["sessions"] == [
        {"sport": "running", "sub_sport": None, "start_time": None, "laps": 0, "splits_km": 0}
    ]
    advice = brief["advice"]
    assert {"summary", "went_well", "to_improve", "next_session", "engine", "model", "language"} <= set(
        advice
    )
    assert advice["engine"] == "offline" and advice["model"] is None and advice["to_improve"] == []

    full = activity_dict(activity, full=True, streams=True)
    assert json.loads(json_line(full))["sessions"][0]["streams"]["heart_rate_bpm"] == [None, 100.0]
    assert "streams" not in activity_dict(activity, full=True)["sessions"][0]
