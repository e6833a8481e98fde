"""Dives from real dive-computer files: the computer's dive_summary messages and the dives found in the depth."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach_analysis import analyze, drop_none
from fitcoach_analysis.dive import DIVE_DEPTH_M, dives_from_depth
from fitcoach_stack.fixtures import FIT_CORPUS as CORPUS
from google.protobuf import json_format


def _analysis(name: str) -> dict[str, Any]:
    result = analyze((CORPUS / name).read_bytes())
    for session in result["sessions"]:
        json_format.ParseDict(drop_none(session), pb.Session())  # every dive field is in the schema
    json_format.ParseDict(drop_none(result["summary"]), pb.MetricSet())
    return result


def test_garmin_apnea_session_uses_the_computers_summaries_and_finds_the_same_dives_in_the_depth() -> None:
    result = _analysis("dive-apnea-descent-mk1.fit")
    (session,) = result["sessions"]
    # The device's session dive_summary: 28.622 m, 133.626 s under water; two per-lap dives 1856 s apart.
    assert session["device"]["max_depth_m"] == pytest.approx(28.622)
    assert session["device"]["bottom_time_s"] == pytest.approx(133.626)
    assert session["device"]["dive_count"] == 2
    assert session["device"]["surface_interval_s"] == pytest.approx(1856)
    assert result["summary"]["max_depth_m"] == pytest.approx(28.622)  # the device's value wins, as elsewhere
    # The depth samples tell the same story within a sample or two (the records are ~6 s apart).
    computed = session["computed"]
    assert computed["dive_count"] == 2
    assert computed["max_depth_m"] == pytest.approx(28.538)  # deepest record
    dives = session["dive"]["dives"]
    assert [d["index"] for d in dives] == [1, 2]
    assert [d["max_depth_m"] for d in dives] == pytest.approx([21.8, 28.5], abs=0.1)
    assert [d["dive_time_s"] for d in dives] == pytest.approx([63.6, 70.0], abs=5)
    assert dives[0]["surface_interval_s"] is None
    assert dives[1]["surface_interval_s"] == pytest.approx(1856, abs=5)
    # The first dive's own interval counts from the previous session (24 h earlier): it is kept apart.
    assert session["dive"]["surface_interval_before_s"] == 86942


def test_scuba_dive_has_one_long_dive_and_the_computers_dive_number() -> None:
    (session,) = _analysis("dive-descent-mk2-multigas.fit")["sessions"]
    assert session["device"]["dive_count"] == 1
    assert session["device"].get("surface_interval_s") is None  # one dive: nothing between dives
    assert session["computed"]["bottom_time_s"] == pytest.approx(3103.5, abs=10)
    assert session["computed"]["max_depth_m"] == pytest.approx(17.646)
    assert session["dive"]["dive_number"] == 803


def test_suunto_freedive_without_summaries_is_read_from_the_depth_alone() -> None:
    result = _analysis("dive-freedive-suunto-ocean.fit")
    (session,) = result["sessions"]
    dives = session["dive"]["dives"]
    assert len(dives) == 9 == result["summary"]["dive_count"]
    # The session message claims max_depth 57; the records never go below 11.42 m, and that is what counts.
    assert result["summary"]["max_depth_m"] == pytest.approx(11.42)
    assert "max_depth_m" not in session["device"]
    assert result["summary"]["bottom_time_s"] == pytest.approx(sum(d["dive_time_s"] for d in dives))
    between = [d["surface_interval_s"] for d in dives[1:]]
    assert result["summary"]["surface_interval_s"] == pytest.approx(min(between))
    assert all(d["start_offset_s"] > 0 for d in dives)
    assert session["dive"]["surface_interval_before_s"] is None


def test_a_snorkellers_bob_above_the_line_does_not_split_a_dive() -> None:
    (session,) = _analysis("snorkel-suunto-vertical2.fit")["sessions"]
    dives = session["dive"]["dives"]
    assert len(dives) == 2
    assert min(d["surface_interval_s"] or np.inf for d in dives) > 30


def test_sessions_without_depth_have_no_dive() -> None:
    (session,) = _analysis("yoga-venu3.fit")["sessions"]
    assert session["dive"] is None
    assert "max_depth_m" not in session["computed"] and "dive_count" not in session["device"]


def test_dive_edges_are_interpolated_and_missing_depths_skipped() -> None:
    t = np.array([0.0, 1, 2, 3, 4, 5, 6, 7, 8, 20])
    d = np.array([0.0, 0.2, 2.2, 5.0, np.nan, 4.0, 2.2, 0.2, 0.0, 3.2])
    first, last = dives_from_depth(t, d)
    # Crossing 1.2 m halfway between 0.2 (t=1) and 2.2 (t=2), and again between t=6 and t=7.
    assert first["start_s"] == pytest.approx(1.5)
    assert first["dive_time_s"] == pytest.approx(5.0)
    assert first["max_depth_m"] == 5.0
    # Trapezoids over (1.5, 1.2) (2, 2.2) (3, 5) (5, 4) (6, 2.2) (6.5, 1.2): the NaN sample is left out.
    area = 0.5 * (1.2 + 2.2) / 2 + (2.2 + 5) / 2 + 2 * (5 + 4) / 2 + (4 + 2.2) / 2 + 0.5 * (2.2 + 1.2) / 2
    assert first["avg_depth_m"] == pytest.approx(area / 5.0)
    assert first["surface_interval_s"] is None
    # A dive still under way when the recording stops ends at the last sample.
    assert last["start_s"] == pytest.approx(8 + (DIVE_DEPTH_M - 0) / 3.2 * 12)
    assert last["dive_time_s"] == pytest.approx(20 - last["start_s"])
    assert last["surface_interval_s"] == pytest.approx(last["start_s"] - 6.5)
    # Back above the line for less than MIN_SURFACE_INTERVAL_S: one dive, not two.
    (merged,) = dives_from_depth(np.arange(0.0, 8.0), np.array([0, 2, 3, 1.0, 2, 3, 2, 0]))
    assert merged["max_depth_m"] == 3
    assert dives_from_depth(t, np.full(10, np.nan)) == []
    assert dives_from_depth(t, np.full(10, 0.5)) == []
