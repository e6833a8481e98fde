"""`analyze()` as callers see it: shape of the result, profile handling, multisport summary, streams."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach_analysis import (
    ANALYZER_VERSION,
    AthleteProfile,
    InvalidFitFile,
    NoActivityData,
    analyze,
    analyze_decoded,
    drop_none,
    summarize,
)
from fitcoach_analysis.fit import DecodedActivity, Samples, SessionData
from fitcoach_analysis.fit.model import SAMPLE_FIELDS
from fitcoach_stack.fixtures import FILE_ID_DEFINITION, make_fit_file
from fitcoach_stack.fixtures import FIT as FIXTURES
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_ride_with_ftp_gets_power_tss_zones_and_curve() -> None:
    profile = AthleteProfile(max_hr_bpm=190, rest_hr_bpm=50, threshold_hr_bpm=170, ftp_w=280, sex="male")
    result = analyze(_read("cycle-edge810-vector-power.fit"), profile, stream_points=100)
    assert result["analyzer_version"] == ANALYZER_VERSION
    assert result["sport"] == "cycling" and result["start_time"] == "2013-08-16T18:05:10Z"
    (s,) = result["sessions"]
    c = s["computed"]
    assert c["intensity_factor"] == pytest.approx(c["normalized_power_w"] / 280)
    assert c["tss"] == pytest.approx(100 * 4700 / 3600 * c["intensity_factor"] ** 2, rel=0.01)
    assert (c["training_load"], c["training_load_method"]) == (c["tss"], "tss")
    assert c["variability_index"] == pytest.approx(c["normalized_power_w"] / c["avg_power_w"])
    assert c["efficiency_factor"] == pytest.approx(c["normalized_power_w"] / c["avg_hr_bpm"])
    assert s["defaults_used"] == []  # every value the metrics need was given
    assert len(s["power_zones"]) == 7 and len(s["hr_zones"]) == 5
    # Time in zones adds up to the timer time the samples cover.
    assert sum(z["seconds"] for z in s["hr_zones"]) == pytest.approx(c["timer_time_s"], rel=0.01)
    curve = {p["duration_s"]: p["value"] for p in s["power_curve"]}
    assert curve[1.0] == c["max_power_w"] and curve[3600.0] <= curve[1200.0] <= curve[60.0] <= curve[5.0]
    names = [e["name"] for e in s["best_efforts"]]
    assert names == ["5 s", "1 min", "5 min", "20 min", "60 min"]
    assert len(s["laps"]) == 8 and s["laps"][0]["index"] == 1 and s["laps"][0]["metrics"]["distance_m"] > 0
    assert [sp["index"] for sp in s["splits_km"]] == list(range(1, len(s["splits_km"]) + 1))
    assert sum(sp["distance_m"] for sp in s["splits_km"]) == pytest.approx(c["distance_m"])
    streams = s["streams"]
    assert len(streams["elapsed_s"]) == 100 and streams["elapsed_s"][0] == 0.0
    assert {"heart_rate_bpm", "power_w", "lat_deg", "lon_deg", "altitude_m"} <= set(streams)


def test_run_without_profile_says_which_defaults_it_used() -> None:
    result = analyze(_read("run-fenix2-gps-hr.fit"))
    (s,) = result["sessions"]
    c = s["computed"]
    assert c["training_load_method"] == "hrtss" and c["training_load"] == c["hr_tss"]
    assert any(note.startswith("max_hr_bpm=") for note in s["defaults_used"])
    assert c["gap_speed_mps"] is not None and c["efficiency_factor"] is not None
    names = [e["name"] for e in s["best_efforts"]]
    assert names == ["400 m", "1 km", "1 mile", "5 km"]  # a 9 km run
    efforts = {e["name"]: e["time_s"] for e in s["best_efforts"]}
    assert efforts["400 m"] < efforts["1 km"] < efforts["1 mile"] < efforts["5 km"]
    # 9007 m: the trailing 7 m (< 10 m) join the 9th kilometre rather than making a split of their own.
    assert len(s["splits_km"]) == 9 and len(s["splits_mile"]) == 6
    assert s["splits_km"][-1]["distance_m"] == pytest.approx(c["distance_m"] - 8000)


def test_pool_swim_has_swim_details() -> None:
    (s,) = analyze(_read("swim-pool-fr735xt-chained-hr.fit"))["sessions"]
    swim = s["swim"]
    assert swim["pool_length_m"] == pytest.approx(22.86) and swim["active_lengths"] == 114
    # 114 × 22.86 m = 2606 m (the device's distance) in the lengths' swimming time.
    assert swim["pace_s_per_100m"] == pytest.approx(s["computed"]["moving_time_s"] / 2606.04 * 100, rel=0.001)
    assert swim["avg_swolf"] > 0 and swim["strokes"] > 0


def test_multisport_summary_combines_sessions() -> None:
    result = analyze(_read("triathlon-fr920xt-chained.fit"))
    assert result["sport"] == "multisport" and len(result["sessions"]) == 5
    assert result["local_offset_s"] == 7200
    summary = result["summary"]
    # Device values where given: the five legs' device distances add up.
    assert summary["distance_m"] == pytest.approx(sum(s["device"]["distance_m"] for s in result["sessions"]))
    assert summary["max_hr_bpm"] == 187
    assert summary["training_load_method"] in {"hrtss", "tss", "duration"}


def test_summarize_and_drop_none_on_hand_made_sessions() -> None:
    def session(device: dict[str, float | None], computed: dict[str, float | None]) -> dict[str, object]:
        return {"device": device, "computed": {**computed, "training_load_method": "hrtss"}}

    a = session({"distance_m": 1000.0, "timer_time_s": 100.0, "avg_hr_bpm": None}, {"avg_hr_bpm": 150.0})
    b = session({"distance_m": 3000.0, "timer_time_s": 300.0, "avg_hr_bpm": 130.0}, {"avg_hr_bpm": 128.0})
    out = summarize([a, b])  # type: ignore[list-item]
    assert out["distance_m"] == 4000.0 and out["timer_time_s"] == 400.0
    assert out["avg_hr_bpm"] == pytest.approx((150 * 100 + 130 * 300) / 400)  # device's 130 wins over 128
    assert out["avg_speed_mps"] == 10.0
    assert summarize([a])["avg_hr_bpm"] == 150.0  # computed fills the device's gap
    # W' balance minimum of a multisport file: the lowest of its legs (each leg starts with a full W').
    legs = [session({}, {"w_bal_min_j": 9000.0}), session({}, {"w_bal_min_j": None})]
    legs.append(session({}, {"w_bal_min_j": 4000.0}))
    assert summarize(legs)["w_bal_min_j"] == 4000.0  # type: ignore[arg-type]
    assert drop_none({"a": None, "b": [1, None, {"c": None}]}) == {"b": [1, {}]}


_VALUES = st.one_of(st.just(float("nan")), st.floats(-50, 400, allow_nan=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(st.sampled_from([0.0, 1.0, 1.0, 1.0, 3.0, 45.0]), min_size=0, max_size=80),
    data=st.data(),
    sport=st.sampled_from(["running", "cycling", "swimming", "transition", None]),
)
def test_any_samples_give_a_json_result(steps: list[float], data: st.DataObject, sport: str | None) -> None:
    """Whatever a device writes (gaps, NaN, negative glitches, one sample, none), with or without CP/W',
    the session analyses without raising and the result is strict JSON that parses into the Session proto."""
    n = len(steps)
    time_s = 1.5e9 + np.cumsum(steps)
    columns = {
        name: np.array(data.draw(st.lists(_VALUES, min_size=n, max_size=n))) for name in SAMPLE_FIELDS[1:]
    }
    samples = Samples(time_s=time_s, **columns)
    start = datetime.fromtimestamp(1.5e9, UTC)
    session = SessionData(fields={"sport": sport, "start_time": start}, samples=samples)
    decoded = DecodedActivity(sessions=[session], file_ids=[], device={}, local_offset_s=None, record_count=n)
    # With CP and W' the W' balance runs too (pauses and gaps as zero power).
    profile = data.draw(st.sampled_from([None, AthleteProfile(critical_power_w=250.0, w_prime_j=20_000.0)]))
    result = analyze_decoded(decoded, profile, stream_points=20)
    json.dumps(result, allow_nan=False)
    json_format.ParseDict(drop_none(result["sessions"][0]), pb.Session())


@pytest.mark.parametrize("body", [b"", FILE_ID_DEFINITION], ids=["header only", "definitions only"])
def test_a_file_without_activity_data_is_rejected(body: bytes) -> None:
    # A readable FIT file that holds no session and no record: a rejection the analyzer treats as a bad
    # file (NoActivityData is an InvalidFitFile), so it ends "failed" and no advice is asked for.
    with pytest.raises(NoActivityData, match=r"^no activity data: ") as info:
        analyze(make_fit_file(body))
    assert isinstance(info.value, InvalidFitFile)
