"""Every real fixture: computed values against the device's own, within METRICS.md tolerances.

A pair that cannot meet its tolerance is listed in EXCEPTIONS with the reason, and the test checks that
it really is out of tolerance (an exception that starts passing must be removed, so the list stays true).
Keys the device reports on no fixture (moving time) or that only the device knows (calories) are checked
by the invariants at the end instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach_analysis import InvalidFitFile, analyze, drop_none
from google.protobuf import json_format

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "fit"
FIXTURES = FIXTURES.resolve()
ALL_FILES = sorted(p.name for p in FIXTURES.glob("*.fit"))
# broken-bad-crc.fit has intact data and only a wrong file CRC: the decoder accepts it with a warning
# (as fitdecode's default reader does), so it is analysed like any valid file.
VALID = [f for f in ALL_FILES if not f.startswith("broken-") or f == "broken-bad-crc.fit"]
BROKEN = [f for f in ALL_FILES if f not in VALID]

# A synthetic benchmark file whose session message does not describe its records at all.
SYNTHETIC = {
    "stress-bryton-100k-records-synthetic.fit": "synthetic benchmark file: the session says 32 172 m and "
    "30 877 s elapsed, its records cover 406 m over 99 997 s; only used for speed and size limits",
}

Check = Callable[[float, float], bool]


def rel(r: float) -> Check:
    return lambda device, computed: abs(computed - device) <= r * abs(device)


def rel_or_abs(r: float, a: float) -> Check:
    return lambda device, computed: abs(computed - device) <= max(a, r * abs(device))


def absolute(a: float) -> Check:
    return lambda device, computed: abs(computed - device) <= a


# METRICS.md tolerances, and ours for the keys it leaves open (with why).
TOLERANCES: dict[str, tuple[Check, str]] = {
    "distance_m": (rel(0.005), "±0.5 %"),
    "timer_time_s": (rel_or_abs(0.01, 2.0), "±1 % or 2 s"),
    # Elapsed time is the span of the records (+ pool lengths): same tolerance as timer time.
    "elapsed_time_s": (rel_or_abs(0.01, 2.0), "±1 % or 2 s"),
    # The device averages speed over timer time, FitCoach over moving time (METRICS.md), so the
    # like-for-like value is computed distance / computed timer time (see comparable()).
    "avg_speed_mps": (rel(0.01), "±1 %"),
    # Devices keep the raw maximum of 1 Hz data they may not record (smart recording): ±5 %.
    "max_speed_mps": (rel(0.05), "±5 %"),
    "avg_hr_bpm": (absolute(1.0), "±1 bpm"),
    "max_hr_bpm": (absolute(1.0), "±1 bpm"),
    "ascent_m": (rel_or_abs(0.10, 10.0), "±10 % or 10 m"),
    "descent_m": (rel_or_abs(0.10, 10.0), "±10 % or 10 m"),
    "avg_power_w": (rel(0.01), "±1 %"),
    "max_power_w": (rel(0.01), "±1 %"),
    "normalized_power_w": (rel(0.02), "±2 %"),
    # Devices store whole rpm (strides: ×2 → steps), so 1 unit of rounding (2 for steps) plus 2 %.
    "avg_cadence": (rel_or_abs(0.02, 2.0), "±2 % or 2"),
    "max_cadence": (rel_or_abs(0.02, 2.0), "±2 % or 2"),
    "min_altitude_m": (rel_or_abs(0.02, 2.0), "±2 % or 2 m"),
    "max_altitude_m": (rel_or_abs(0.02, 2.0), "±2 % or 2 m"),
}

# (file, session index, key) → why the computed value cannot match the device's.
_SMART = "smart recording (a record every 2-3 s): the device took its value from 1 Hz data it did not store"
_T2_CADENCE = (
    "transition legs: the FR255 and FR920XT average T2 cadence without zeros but T1 with them; we include "
    "zeros for transitions (T1 agrees)"
)
EXCEPTIONS: dict[tuple[str, int, str], str] = {
    ("broken-bad-crc.fit", 0, "max_cadence"): _SMART,
    ("chained-two-activities-fenix5.fit", 0, "max_speed_mps"): _SMART,
    ("chained-two-activities-fenix5.fit", 0, "avg_cadence"): _SMART,
    ("cycle-edge500-long-laps.fit", 0, "max_speed_mps"): "the device's 26.1 m/s (94 km/h) is one GPS spike "
    "between 17 m/s samples; robust_max caps single-sample spikes",
    ("cycle-edge810-vector-power.fit", 0, "avg_cadence"): "the Edge 810 averages cadence including zeros "
    "(coasting); 87.4 rpm with zeros, we exclude them",
    ("cycle-indoor-trainer-edge800.fit", 0, "distance_m"): "no speed sensor, no GPS: the device writes 0 m, "
    "we report no distance",
    ("cycle-indoor-trainer-edge800.fit", 0, "avg_speed_mps"): "no speed sensor, no GPS (see distance_m)",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "ascent_m"): "the ELEMNT filters altitude harder: both agree on "
    "the net climb (+96 m device, +85 m records: 14 m → 99 m) but its totals are ~80-90 m lower",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "descent_m"): "as ascent_m",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "max_power_w"): "session max_power 668 W, but no record "
    "exceeds 648 W (SUMMARY.json observation)",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "normalized_power_w"): "the ELEMNT's NP runs over its own "
    "(unrecorded) samples; 153.3 W from the records, -2.4 %",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "avg_cadence"): "the session says 131 rpm average / 168 max; "
    "its own records average 68 rpm (max 150): the session value is not the records' cadence",
    ("cycle-wahoo-elemnt-power-long.fit", 0, "max_cadence"): "as avg_cadence",
    ("cycle-zwift-virtual.fit", 0, "descent_m"): "Zwift writes total_descent = 0; its virtual course "
    "(3-41 m) goes down 76 m in total",
    ("run-fenix2-gps-hr.fit", 0, "descent_m"): "altitude jumps 55 → 142 → 56 m within the first 5 s "
    "(barometer settling); the device ignores it, we count the 86 m fall",
    ("run-fenix2-gps-hr.fit", 0, "max_cadence"): "one record of 102 strides/min (204 spm) among ≤ 96; the "
    "device's max (192) leaves it out",
    ("swim-pool-fr735xt-chained-hr.fit", 0, "elapsed_time_s"): "the session ends 126 s after the last "
    "length and the last record (final rest at the wall, nothing recorded)",
    ("swim-pool-fr735xt-chained-hr.fit", 0, "avg_hr_bpm"): "the device's 142 is the plain mean of its 47 "
    "swimming laps' avg HR (141.98); the strap's beats (merged as the FIT SDK does) average 138.3 over timer "
    "time and 140.6 over swimming time only; rest laps' device HR (e.g. 80 after 120) is not the strap's",
    ("triathlon-fr255-session-first.fit", 2, "ascent_m"): "the FR255 bike total is 13 m above ours; "
    "no smoothing/threshold fits it together with the other devices",
    ("triathlon-fr255-session-first.fit", 2, "descent_m"): "as ascent_m",
    ("triathlon-fr255-session-first.fit", 3, "avg_cadence"): _T2_CADENCE,
    ("triathlon-fr920xt-chained.fit", 0, "max_speed_mps"): "open-water swim: GPS speed under water; the "
    "device's max is not in the records",
    ("triathlon-fr920xt-chained.fit", 0, "ascent_m"): "no altitude in the swim's records: the device writes "
    "0 m, we report none",
    ("triathlon-fr920xt-chained.fit", 0, "descent_m"): "as ascent_m",
    ("triathlon-fr920xt-chained.fit", 1, "distance_m"): "T1 has no record in its last 3 s (08:08:55 → "
    "08:08:58, the bike leg's start): the ~5 m covered then are in no sample",
    ("triathlon-fr920xt-chained.fit", 1, "timer_time_s"): "as distance_m (3 s without records)",
    ("triathlon-fr920xt-chained.fit", 1, "elapsed_time_s"): "as distance_m (3 s without records)",
    ("triathlon-fr920xt-chained.fit", 1, "avg_speed_mps"): "as distance_m (3 s without records)",
    ("triathlon-fr920xt-chained.fit", 2, "ascent_m"): "a flat TT (36-58 m): the device counts 30 m, we 55 m;"
    " no smoothing/threshold fits it together with the other devices",
    ("triathlon-fr920xt-chained.fit", 2, "descent_m"): "as ascent_m",
    ("triathlon-fr920xt-chained.fit", 3, "avg_cadence"): _T2_CADENCE,
    ("triathlon-fr920xt-chained.fit", 4, "max_cadence"): "device max 89.5 strides/min, records' max 87.5: "
    "the device's max came from a second it did not record",
}


@cache
def analyzed(name: str) -> dict[str, Any]:
    return analyze((FIXTURES / name).read_bytes())


def comparable(session: dict[str, Any], key: str) -> float | None:
    computed = session["computed"]
    if key == "avg_speed_mps" and not session["swim"]:
        # Pool swims average over swimming time on the device too; everything else over timer time.
        if computed["distance_m"] is None or not computed["timer_time_s"]:
            return None
        return computed["distance_m"] / computed["timer_time_s"]
    return computed.get(key)


def pairs() -> list[tuple[str, int, str, float, float | None]]:
    out = []
    for name in VALID:
        if name in SYNTHETIC:
            continue
        for k, s in enumerate(analyzed(name)["sessions"]):
            for key in TOLERANCES:
                device = s["device"].get(key)
                if device is not None:
                    out.append((name, k, key, device, comparable(s, key)))
    return out


def test_fixture_lists_are_complete() -> None:
    assert len(ALL_FILES) == 24 and len(BROKEN) == 7 and "broken-bad-crc.fit" in VALID


@pytest.mark.parametrize("name", VALID)
def test_device_and_computed_agree(name: str) -> None:
    failures, stale = [], []
    for file, k, key, device, computed in pairs():
        if file != name:
            continue
        check, text = TOLERANCES[key]
        ok = computed is not None and check(device, computed)
        if key == "avg_speed_mps" and computed is not None and not ok:
            # Records are 1 s apart, so timer time can be 1-2 s off on a short leg: allow that much.
            timer = analyzed(file)["sessions"][k]["device"]["timer_time_s"]
            ok = bool(timer) and abs(computed - device) <= device * 2.0 / timer
            text += " or 2 s of timer time"
        listed = (file, k, key) in EXCEPTIONS
        if not ok and not listed:
            failures.append(f"session {k} {key}: device {device} vs computed {computed} (tolerance {text})")
        if ok and listed:
            stale.append(f"session {k} {key}: now within tolerance, remove it from EXCEPTIONS")
    assert not failures and not stale, "\n".join(failures + stale)


def test_synthetic_file_is_analysed_but_not_compared() -> None:
    (session,) = analyzed("stress-bryton-100k-records-synthetic.fit")["sessions"]
    assert session["computed"]["elapsed_time_s"] > 3 * session["device"]["elapsed_time_s"]
    assert analyzed("stress-bryton-100k-records-synthetic.fit")["record_count"] == 99998


@pytest.mark.parametrize("name", VALID)
def test_invariants(name: str) -> None:
    result = analyzed(name)
    assert result["sessions"], "every valid fixture has at least one session"
    for s in result["sessions"]:
        c = s["computed"]
        if c.get("timer_time_s") is not None:
            assert 0 <= c["moving_time_s"] <= c["timer_time_s"] + 1e-6
            assert c["timer_time_s"] <= c["elapsed_time_s"] + 2.0
        assert c["calories_kcal"] is None  # calories: the device's number only (METRICS.md)
        if c.get("avg_speed_mps") is not None and c["timer_time_s"]:
            assert c["avg_speed_mps"] >= c["distance_m"] / c["timer_time_s"] - 1e-9
        assert c["training_load_method"] in {"tss", "hrtss", "duration"}
        assert c["training_load"] is not None and c["training_load"] >= 0


@pytest.mark.parametrize("name", VALID)
def test_result_is_json_and_parses_into_the_protos(name: str) -> None:
    result = analyzed(name)
    json.dumps(result, allow_nan=False)  # strict JSON: no NaN/Infinity anywhere
    for s in result["sessions"]:
        message = json_format.ParseDict(drop_none(s), pb.Session())
        assert message.sport == s["sport"]
        assert len(message.laps) == len(s["laps"])
        if s["computed"].get("distance_m") is not None:
            assert message.computed.distance_m == pytest.approx(s["computed"]["distance_m"])
        assert len(message.streams.elapsed_s) <= 500
    summary = json_format.ParseDict(drop_none(result["summary"]), pb.MetricSet())
    assert summary.training_load_method == result["summary"]["training_load_method"]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_invalid_fit_file(name: str) -> None:
    with pytest.raises(InvalidFitFile, match=r"^not a valid FIT file: "):
        analyze((FIXTURES / name).read_bytes())
