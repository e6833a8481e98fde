"""Each formula on hand-made arrays, against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from fitcoach_analysis import AthleteProfile, fitness_trend, resolve_profile, training_load
from fitcoach_analysis.device import device_metrics
from fitcoach_analysis.distance import gps_cumulative_m, haversine_m, record_cumulative_m
from fitcoach_analysis.efficiency import efficiency_factor, power_decoupling_pct
from fitcoach_analysis.efforts import best_distance_efforts, fastest_segment
from fitcoach_analysis.elevation import (
    band_for,
    cumulative_gain_loss,
    elevation_metrics,
    gain_loss,
    reversal_share,
    smooth_altitude,
    without_glitches,
)
from fitcoach_analysis.heart_rate import hr_tss, hr_zone_bounds, time_in_zones, trimp
from fitcoach_analysis.load import FitnessDay, TrainingHistory, training_history
from fitcoach_analysis.pace import grade_adjusted_distance_m, minetti_cost, robust_max
from fitcoach_analysis.power import (
    best_power_efforts,
    mean_max_curve,
    normalized_power,
    training_stress_score,
)
from fitcoach_analysis.series import active_time_at, sample_durations, to_active_seconds, weighted_mean
from fitcoach_analysis.splits import KM_M, splits
from fitcoach_analysis.streams import downsample_streams, lttb_indices
from fitcoach_analysis.swim import swim_summary
from fitcoach_analysis.times import moving_mask, timer_intervals_from_events, timer_intervals_from_samples
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = 1_500_000_000.0


def seconds(n: int) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.float64)


def whole(n: float) -> np.ndarray:
    return np.array([[T0, T0 + n]])


# --- power --------------------------------------------------------------------------------------------


def test_np_of_constant_power_is_that_power() -> None:
    assert normalized_power(np.full(600, 250.0)) == pytest.approx(250.0)


def test_np_of_two_blocks() -> None:
    # 60 s at 100 W then 60 s at 300 W: of the 91 thirty-second windows, 31 lie in the first block (100 W),
    # 31 in the second (300 W), and the 29 straddling ones average 100 + 200·j/30 for j = 1..29.
    p = np.concatenate((np.full(60, 100.0), np.full(60, 300.0)))
    straddling = [(100 + 200 * j / 30) ** 4 for j in range(1, 30)]
    expected = ((31 * 100**4 + 31 * 300**4 + sum(straddling)) / 91) ** 0.25
    assert normalized_power(p) == pytest.approx(expected, rel=1e-12)
    # By hand: Σ straddling ≈ ∫₁₀₀³⁰⁰ x⁴ dx / (200/30) − (100⁴ + 300⁴)/2 ≈ 6.85e10; with 31·100⁴ + 31·300⁴
    # = 2.542e11 the mean is 3.546e9 and its 4th root 244.0 W.
    assert expected == pytest.approx(244.0, abs=0.1)
    assert normalized_power(p[:29]) is None  # shorter than one window


def test_tss_of_one_hour_at_ftp_is_100() -> None:
    assert training_stress_score(3600, 250.0 / 250.0) == pytest.approx(100.0)
    assert training_stress_score(1800, 0.8) == pytest.approx(100 * 0.5 * 0.64)


def test_mean_max_curve_and_best_efforts_find_a_burst() -> None:
    p = np.full(1300, 100.0)
    p[500:505] = 800.0  # a 5 s sprint
    curve = {c["duration_s"]: c["value"] for c in mean_max_curve(p)}
    assert curve[1.0] == 800.0 and curve[5.0] == 800.0
    assert curve[10.0] == pytest.approx((5 * 800 + 5 * 100) / 10)
    assert max(curve) == 1200.0  # 1300 s long: curve stops before 1800 s
    efforts = {e["name"]: e for e in best_power_efforts(p)}
    assert efforts["5 s"]["power_w"] == 800.0 and efforts["5 s"]["start_offset_s"] == 500.0
    assert efforts["20 min"]["power_w"] == pytest.approx((1195 * 100 + 5 * 800) / 1200)
    assert "60 min" not in efforts


def test_pauses_are_cut_out_of_the_1hz_series() -> None:
    t = np.concatenate((seconds(60), seconds(60) + 1000))  # 60 s, a 940 s pause, 60 s
    p = np.concatenate((np.full(60, 200.0), np.full(60, 300.0)))
    intervals = np.array([[T0, T0 + 60], [T0 + 1000, T0 + 1060]])
    p1 = to_active_seconds(t, p, intervals)
    assert p1.size == 120 and p1[:60].tolist() == [200.0] * 60 and p1[60:].tolist() == [300.0] * 60


def test_np_leaves_out_seconds_without_a_power_reading() -> None:
    # 60 s at 200 W, 60 s without a reading (the pedals sent nothing), 60 s at 200 W: NP is that of the
    # 120 recorded seconds (200 W), as the average leaves the empty seconds out; 0 W would pull it down.
    t = seconds(180)
    p = np.concatenate((np.full(60, 200.0), np.full(60, np.nan), np.full(60, 200.0)))
    p1 = to_active_seconds(t, p, whole(180))
    assert p1.size == 180 and np.isnan(p1[60:120]).all()
    assert normalized_power(p1) == pytest.approx(200.0)
    # A best effort claims no power that was not recorded: the empty seconds count as 0 W there.
    assert {e["name"]: e["power_w"] for e in best_power_efforts(p1)}["1 min"] == 200.0
    assert mean_max_curve(p1)[-1] == {"duration_s": 180.0, "value": pytest.approx(120 * 200 / 180)}


def test_power_decoupling() -> None:
    # Same power both halves, HR 150 then 165: EF falls by 1 - 150/165 = 9.09 %.
    p = np.full(1200, 200.0)
    hr = np.concatenate((np.full(600, 150.0), np.full(600, 165.0)))
    assert power_decoupling_pct(p, hr) == pytest.approx((1 - 150 / 165) * 100)
    # A strap dropout is no reading, not 0 bpm: the half keeps its 165 bpm mean.
    hr[900:960] = np.nan
    assert power_decoupling_pct(p, hr) == pytest.approx((1 - 150 / 165) * 100)
    # A garbage heart rate of a denormal bpm would make that half's EF infinite: no EF, no decoupling.
    hr[600:] = 1e-309
    assert power_decoupling_pct(p, hr) is None and efficiency_factor(200.0, 1e-309) is None


# --- heart rate ---------------------------------------------------------------------------------------


def test_trimp_of_constant_hr() -> None:
    # 60 min at 150 bpm, rest 50, max 200: HRr = 100/150 = 2/3;
    # TRIMP = 60 · 2/3 · 0.64 · e^(1.92·2/3) = 25.6 · e^1.28 = 92.07.
    prof = resolve_profile(AthleteProfile(max_hr_bpm=200, rest_hr_bpm=50, threshold_hr_bpm=170))
    hr = np.full(3600, 150.0)
    value = trimp(hr, np.ones(3600), prof)
    assert value == pytest.approx(60 * (2 / 3) * 0.64 * math.exp(1.28))
    assert value == pytest.approx(92.07, abs=0.01)
    women = resolve_profile(
        AthleteProfile(max_hr_bpm=200, rest_hr_bpm=50, threshold_hr_bpm=170, sex="female")
    )
    assert trimp(hr, np.ones(3600), women) == pytest.approx(60 * (2 / 3) * 0.86 * math.exp(1.67 * 2 / 3))


def test_hr_tss_of_one_hour_at_threshold_is_100() -> None:
    prof = resolve_profile(AthleteProfile(max_hr_bpm=200, rest_hr_bpm=50, threshold_hr_bpm=170))
    value = trimp(np.full(3600, 170.0), np.ones(3600), prof)
    assert hr_tss(value, prof) == pytest.approx(100.0)


def test_time_in_hr_zones() -> None:
    prof = resolve_profile(AthleteProfile(max_hr_bpm=200))  # zones at 0/60/70/80/90 % of max
    lows = hr_zone_bounds(prof)
    assert lows == [0.0, 120.0, 140.0, 160.0, 180.0]
    hr = np.array([100.0, 130.0, 130.0, 150.0, 170.0, 185.0, np.nan])
    zones = time_in_zones(hr, np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 9.0]), lows)
    assert [z["seconds"] for z in zones] == [1.0, 4.0, 3.0, 4.0, 5.0]
    assert zones[0]["high"] == 120.0 and zones[-1]["high"] is None
    threshold = resolve_profile(AthleteProfile(max_hr_bpm=200, threshold_hr_bpm=170))
    assert hr_zone_bounds(threshold) == [0.0, 144.5, 153.0, 161.5, 170.0]


def test_profile_defaults_are_noted() -> None:
    prof = resolve_profile(None, observed_max_hr_bpm=175)
    assert prof.max_hr_bpm == 190 and prof.rest_hr_bpm == 60 and prof.threshold_hr_bpm == 171
    assert set(prof.notes) == {"max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "sex"}
    higher = resolve_profile(None, observed_max_hr_bpm=201)
    assert higher.max_hr_bpm == 201 and "highest heart rate" in higher.notes["max_hr_bpm"]
    full = resolve_profile(AthleteProfile(max_hr_bpm=185, rest_hr_bpm=45, threshold_hr_bpm=165, sex="male"))
    assert full.notes == {}


# --- time ---------------------------------------------------------------------------------------------


def _ev(offset: float, kind: str) -> dict[str, object]:
    return {"event": "timer", "event_type": kind, "timestamp": datetime.fromtimestamp(T0 + offset, UTC)}


def test_timer_from_start_stop_events() -> None:
    events = [_ev(0, "start"), _ev(100, "stop"), _ev(160, "start"), _ev(400, "stop_all")]
    iv = timer_intervals_from_events(events, T0, T0 + 400)
    assert iv is not None and iv.tolist() == [[T0, T0 + 100], [T0 + 160, T0 + 400]]
    # A multisport leg without events of its own inherits "running" from the start before it...
    leg = timer_intervals_from_events(events[:1], T0 + 500, T0 + 600)
    assert leg is not None and leg.tolist() == [[T0 + 500, T0 + 600]]
    # ...and a start stamped at the very end of a leg belongs to the next leg.
    assert timer_intervals_from_events([_ev(600, "start")], T0 + 500, T0 + 600).tolist() == [
        [T0 + 500, T0 + 600]
    ]
    assert timer_intervals_from_events([{"event": "marker"}], T0, T0 + 10) is None


def test_timer_fallback_treats_long_gaps_as_pauses() -> None:
    t = np.concatenate((seconds(100), seconds(50) + 700))  # 1 Hz, then silence for 601 s
    iv = timer_intervals_from_samples(t)
    assert iv.tolist() == [[T0, T0 + 100], [T0 + 700, T0 + 750]]


def test_sample_durations_and_active_time_skip_pauses() -> None:
    t = np.array([0.0, 1.0, 2.0, 10.0, 11.0]) + T0
    iv = np.array([[T0, T0 + 3], [T0 + 10, T0 + 12]])
    # The 7 s pause leaves 1 s of timer time between the samples at 2 and 10 (2 → 3): half each. Every
    # sample weighs half the timer time to each neighbour, the last also its 1 s until the timer stops.
    assert sample_durations(t, iv).tolist() == [0.5, 1.0, 1.0, 1.0, 1.5]
    assert active_time_at(t, iv).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # (1·0.5 + 2·1 + 4·1 + 5·1.5) / 4, the NaN left out with its weight.
    assert weighted_mean(np.array([1.0, 2.0, np.nan, 4.0, 5.0]), sample_durations(t, iv)) == 3.5


def test_sample_durations_interpolate_between_sparse_records() -> None:
    # Records every 4 s (smart recording), the timer running until 1 s after the last: each sample weighs
    # half the time to each neighbour, the last also holds until the timer stops (its 4 s median step,
    # clipped to the timer's 1 s); the weights add up to the timer time.
    t = T0 + np.array([0.0, 4.0, 8.0, 12.0])
    iv = np.array([[T0, T0 + 13.0]])
    assert sample_durations(t, iv).tolist() == [2.0, 4.0, 4.0, 3.0]
    # A ramp 100 → 160 bpm: the straight line between the records averages 130 over their 12 s, then
    # 160 for the last second: 1720 / 13. Holding each value until the next record says 1600 / 13.
    hr = np.array([100.0, 120.0, 140.0, 160.0])
    assert weighted_mean(hr, sample_durations(t, iv)) == pytest.approx(1720 / 13)
    # A timer stop between two records: neither stands for the stopped time.
    iv = np.array([[T0, T0 + 4.0], [T0 + 8.0, T0 + 13.0]])
    assert sample_durations(t, iv).tolist() == [2.0, 2.0, 2.0, 3.0]


def test_moving_time_with_stops_and_hysteresis() -> None:
    v = np.concatenate((np.full(100, 3.0), np.full(50, 0.0), np.full(100, 3.0)))
    assert int(moving_mask(v.size, v).sum()) == 200
    # 0.7 m/s lies between the thresholds (0.5 stop, 0.9 go): it keeps whatever state came before.
    v2 = np.array([0.0, 0.7, 1.0, 0.7, 0.7, 0.4, 0.7, 0.95])
    assert moving_mask(v2.size, v2).tolist() == [False, False, True, True, True, False, False, True]
    # No speed: cadence > 0 counts as moving (indoor trainer); nothing at all: everything moves.
    assert moving_mask(3, None, np.array([0.0, 80.0, np.nan])).tolist() == [False, True, False]
    assert moving_mask(2, None, None).tolist() == [True, True]


# --- distance, speed, GAP -----------------------------------------------------------------------------


def test_haversine_one_degree_of_latitude() -> None:
    # 2πR/360 with R = 6 371 008.8 m = 111 195.08 m.
    d = haversine_m(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))
    assert d[0] == pytest.approx(2 * math.pi * 6_371_008.8 / 360)
    lat = np.array([0.0, np.nan, 0.001, 0.002])
    cum = gps_cumulative_m(lat, np.zeros(4))
    assert cum[1] == 0.0 and cum[-1] == pytest.approx(2 * 111.195, rel=1e-4)


def test_record_distance_ignores_resets_and_carried_totals() -> None:
    t = seconds(5)
    # A leg that resets to zero keeps its first sample's distance; a leg starting at 1644 m (total of the
    # legs before it) does not; the drop to 2 m adds nothing.
    assert record_cumulative_m(np.array([3.0, 10.0, 20.0, 2.0, 12.0]), t, T0).tolist() == [3, 10, 20, 20, 30]
    assert record_cumulative_m(np.array([1644.0, 1650.0, np.nan, 1660.0, 1661.0]), t, T0)[-1] == 17.0


def test_robust_max_ignores_a_single_spike() -> None:
    v = np.array([5.0, 5.2, 26.0, 5.1, 5.0])
    assert robust_max(v) == pytest.approx(5.2 * 1.1)
    assert robust_max(np.array([5.0, 6.0, 6.2, 6.1, 5.0])) == 6.2  # a real peak stays


def test_minetti_cost() -> None:
    # C(0) = 3.6; C(0.1) = 155.4e-5 − 30.4e-4 − 43.3e-3 + 46.3e-2 + 1.95 + 3.6 = 5.968214 J/kg/m.
    assert minetti_cost(np.array([0.0]))[0] == pytest.approx(3.6)
    assert minetti_cost(np.array([0.1]))[0] == pytest.approx(5.968214)
    # 1 km climbing at 10 %: flat-equivalent 1000 · 5.968214 / 3.6 = 1657.8 m.
    d = np.linspace(0, 1000, 1001)
    assert grade_adjusted_distance_m(d, 0.1 * d) == pytest.approx(1000 * 5.968214 / 3.6, rel=1e-6)
    assert grade_adjusted_distance_m(d, np.full(d.size, 50.0)) == pytest.approx(1000.0)


# --- elevation ----------------------------------------------------------------------------------------


def test_hysteresis_on_a_saw_tooth() -> None:
    up = np.arange(0.0, 11.0)  # 0, 1, ..., 10 in 1 m steps
    saw = np.concatenate((up, up[::-1][1:], up[1:]))  # 0→10→0→10
    # Band 3 m: the reference moves at 4 and 8 (climb credited 8), at 4 and 0 going down (8), then 4, 8.
    assert gain_loss(saw, 3.0) == (16.0, 8.0)
    # A band smaller than the 1 m steps credits every step.
    assert gain_loss(saw, 0.75) == (20.0, 10.0)
    # Jitter inside the band adds nothing.
    assert gain_loss(np.tile([100.0, 102.0], 50), 3.0) == (0.0, 0.0)
    gain, loss = cumulative_gain_loss(np.array([0.0, np.nan, 5.0, 5.0, 0.0]), 3.0)
    assert gain.tolist() == [0, 0, 5, 5, 5] and loss.tolist() == [0, 0, 0, 0, 5]


def test_altitude_smoothing_is_a_centred_time_mean() -> None:
    t = seconds(5)
    alt = np.array([0.0, 10.0, np.nan, 10.0, 0.0])
    # 2 s window: each point averages itself and its neighbours within ±1 s (NaN filled first: 10).
    assert smooth_altitude(t, alt, 2.0).tolist() == pytest.approx([5.0, 20 / 3, 10.0, 20 / 3, 5.0])


def test_altitude_glitches_are_left_out() -> None:
    # A barometer settling (55 → 142 m and back within 3 s) and a one-record spike to -59 m: no athlete
    # climbs 87 m in a second, so neither counts; a real level change is kept once it is plausible.
    t = seconds(12)
    alt = np.array([55.0, 55.0, 142.4, 142.4, 142.4, 56.0, 56.2, -59.0, 56.4, 56.6, 56.6, 56.8])
    cleaned = without_glitches(t, alt)
    assert np.isnan(cleaned[[2, 3, 4, 7]]).all() and np.isfinite(np.delete(cleaned, [2, 3, 4, 7])).all()
    metrics = elevation_metrics(t, alt).metrics
    assert metrics["ascent_m"] < 2.0 and metrics["descent_m"] < 1.0
    assert metrics["min_altitude_m"] == 55.0 and metrics["max_altitude_m"] == 56.8
    # A lasting change of level (a barometer recalibrated: +40 m) is too fast for its first 3 s, and kept
    # from the reading that could have been reached at 10 m/s since the last one believed (4 s).
    step = np.concatenate((np.full(5, 100.0), np.full(20, 140.0)))
    kept = without_glitches(seconds(25), step)
    assert np.isnan(kept[5:8]).all() and np.isfinite(kept[8:]).all()
    # A fast but possible descent (a skier's 8 m/s) is no glitch.
    descent = 2000.0 - 8.0 * np.arange(30)
    assert np.array_equal(without_glitches(seconds(30), descent), descent)


def test_band_follows_how_often_the_altitude_turns_back() -> None:
    # An altitude that only climbs (a unit that records it filtered) turns back at none of its steps: the
    # narrowest band, so a steady 0.2 m-per-record climb counts in full. Jitter (up, down, up, ...) turns
    # back at every step: the band widens to 0.6 + 1.5 m and the jitter counts nothing.
    climb = 100.0 + 0.2 * np.arange(50)
    assert reversal_share(climb) == 0.0 and band_for(climb) == pytest.approx(0.6)
    assert elevation_metrics(seconds(50), climb).metrics["ascent_m"] == pytest.approx(9.0, abs=1.0)
    jitter = np.tile([100.0, 101.2], 25)
    assert reversal_share(jitter) == 1.0 and band_for(jitter) == pytest.approx(2.1)
    assert elevation_metrics(seconds(50), jitter).metrics["ascent_m"] == 0.0
    # Steps of no change are skipped: flat stretches between turns do not count as turns.
    assert reversal_share(np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0])) == 1.0


# --- splits and best efforts --------------------------------------------------------------------------


def test_km_splits_on_a_known_track() -> None:
    # 4 m/s for 2600 m (650 s): splits of 250 s, 250 s and 600 m in 150 s, pace 250 s/km throughout.
    t = seconds(651)
    cum = 4.0 * np.arange(651, dtype=np.float64)
    hr = np.where(cum < 1000, 140.0, 160.0)
    gain = cum / 100  # climbing 1 m per 100 m
    out = splits(
        cum, active_time_at(t, whole(650)), KM_M, hr, sample_durations(t, whole(651)), gain, gain * 0
    )
    assert [s["distance_m"] for s in out] == [1000.0, 1000.0, 600.0]
    assert [s["time_s"] for s in out] == pytest.approx([250.0, 250.0, 150.0])
    assert [s["pace_s_per_km"] for s in out] == pytest.approx([250.0, 250.0, 250.0])
    assert [s["ascent_m"] for s in out] == pytest.approx([10.0, 10.0, 6.0])
    assert out[0]["avg_hr_bpm"] == 140.0 and out[1]["avg_hr_bpm"] == 160.0


def test_split_time_excludes_a_pause() -> None:
    # 500 m at 5 m/s, a 60 s pause (timer stopped), 500 m more: the 1 km split takes 200 s of timer time.
    t = np.concatenate((seconds(101), seconds(100) + 161))
    cum = np.concatenate((5.0 * np.arange(101), 500 + 5.0 * np.arange(1, 101)))
    iv = np.array([[T0, T0 + 100], [T0 + 160, T0 + 260]])
    assert splits(cum, active_time_at(t, iv), KM_M)[0]["time_s"] == pytest.approx(200.0)


def test_best_efforts_find_the_fastest_kilometre() -> None:
    # 2 km at 4 m/s then 1 km at 5 m/s: best 1 km = 200 s (the last km), best 400 m = 80 s.
    t_slow = np.arange(0, 501, dtype=np.float64)
    t_fast = 500 + np.arange(1, 201, dtype=np.float64)
    t = np.concatenate((t_slow, t_fast))
    cum = np.concatenate((4.0 * t_slow, 2000 + 5.0 * np.arange(1, 201)))
    assert fastest_segment(cum, t, 1000.0) == pytest.approx((200.0, 500.0))
    efforts = {e["name"]: e["time_s"] for e in best_distance_efforts(cum, t)}
    assert efforts["400 m"] == pytest.approx(80.0) and efforts["1 mile"] == pytest.approx(200 + 609.344 / 4)
    assert "5 km" not in efforts


# --- swim ---------------------------------------------------------------------------------------------


def test_swim_lengths_swolf_and_pace() -> None:
    lengths = [
        {"length_type": "active", "total_timer_time": 30.0, "total_strokes": 15},
        {"length_type": "idle", "total_timer_time": 60.0, "total_strokes": None},
        {"length_type": "active", "total_timer_time": 40.0, "total_strokes": 20},
    ]
    s = swim_summary(lengths, 25.0)
    assert s is not None
    # SWOLF = (30+15 + 40+20)/2 = 52.5; pace = 70 s / 50 m → 140 s per 100 m.
    assert (s["active_lengths"], s["strokes"], s["avg_swolf"], s["pace_s_per_100m"]) == (2, 35.0, 52.5, 140.0)
    assert swim_summary([], 25.0) is None


# --- load ---------------------------------------------------------------------------------------------


def test_training_load_method_order() -> None:
    assert training_load(80.0, 60.0, 3600) == (80.0, "tss")
    assert training_load(None, 60.0, 3600) == (60.0, "hrtss")
    assert training_load(None, None, 5400) == (75.0, "duration")
    assert training_load(None, None, None) == (None, "")


def test_fitness_trend_recurrence() -> None:
    day0 = date(2026, 1, 1)
    # A single 70-load day from zero: CTL = 70/42, ATL = 70/7 = 10, TSB = CTL − ATL.
    one = fitness_trend({day0: 70.0}, day0, day0)
    assert one == [FitnessDay(date=day0, load=70.0, ctl=70 / 42, atl=10.0, tsb=70 / 42 - 10.0)]
    # 42 days of 100: CTL = 100(1 − (41/42)^42), ATL = 100(1 − (6/7)^42); then a rest day decays both.
    loads = {day0 + timedelta(days=k): 100.0 for k in range(42)}
    trend = fitness_trend(loads, day0, day0 + timedelta(days=42))
    assert len(trend) == 43
    assert trend[41].ctl == pytest.approx(100 * (1 - (41 / 42) ** 42))
    assert trend[41].atl == pytest.approx(100 * (1 - (6 / 7) ** 42))
    assert trend[42].load == 0.0 and trend[42].ctl == pytest.approx(trend[41].ctl * 41 / 42)
    # Loads before the range warm the averages up; the range itself starts later.
    late = fitness_trend(loads, day0 + timedelta(days=41), day0 + timedelta(days=41))
    assert late[0].ctl == pytest.approx(trend[41].ctl)
    assert fitness_trend(loads, day0, day0 - timedelta(days=1)) == []


# --- streams ------------------------------------------------------------------------------------------


def test_lttb_keeps_endpoints_and_a_peak() -> None:
    x = np.arange(10_000, dtype=np.float64)
    y = np.sin(x / 300.0)
    y[4321] = 50.0  # one sharp peak: decimation would likely drop it, LTTB must not
    idx = lttb_indices(x, y, 500)
    assert idx.size == 500 and idx[0] == 0 and idx[-1] == 9999
    assert 4321 in idx.tolist()
    assert (np.diff(idx) > 0).all()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), points=st.integers(3, 600))
def test_lttb_bounds(n: int, points: int) -> None:
    x = np.arange(n, dtype=np.float64)
    idx = lttb_indices(x, np.cos(x), points)
    assert idx.size == min(n, points)
    assert (np.diff(idx) > 0).all()
    if n:
        assert idx[0] == 0 and idx[-1] == n - 1


def test_streams_stay_aligned_and_spell_nan_for_json() -> None:
    x = np.arange(1000, dtype=np.float64)
    hr = np.where(x % 100 == 7, np.nan, 120 + x / 10)
    out = downsample_streams(
        x, {"heart_rate_bpm": hr, "power_w": np.full(1000, np.nan)}, "heart_rate_bpm", 50
    )
    assert set(out) == {"elapsed_s", "heart_rate_bpm"}  # all-NaN power is left out
    assert len(out["elapsed_s"]) == len(out["heart_rate_bpm"]) == 50
    assert all(
        v == "NaN" or v == 120 + e / 10 for e, v in zip(out["elapsed_s"], out["heart_rate_bpm"], strict=True)
    )


# --- device values ------------------------------------------------------------------------------------


def test_device_metrics_units_and_absent_sensors() -> None:
    run = device_metrics(
        {
            "avg_running_cadence": 83,
            "avg_fractional_cadence": 0.5,
            "avg_heart_rate": 0,
            "avg_power": 0,
            "enhanced_avg_speed": [2.854, 65.535],
            "total_distance": 4491.51,
        },
        "running",
    )
    assert run["avg_cadence"] == 167.0  # strides 83.5/min → 167 steps/min
    assert run["avg_hr_bpm"] is None and run["avg_power_w"] is None  # 0 = no sensor
    assert run["avg_speed_mps"] == 2.854 and run["distance_m"] == 4491.51
    assert device_metrics({"avg_cadence": 88}, "cycling")["avg_cadence"] == 88.0


def test_a_session_of_a_few_metres_has_no_splits() -> None:
    # Found by test_any_samples_give_a_json_result: 2e-311 m gave an infinite pace, which is not JSON.
    t = np.array([0.0, 1.0])
    assert splits(np.array([0.0, 2.225073858507e-311]), t, KM_M) == []
    assert splits(np.array([0.0, 9.9]), t, KM_M) == []
    assert [s["distance_m"] for s in splits(np.array([0.0, 10.0]), t, KM_M)] == [10.0]


def test_training_history_counts_days_weeks_and_the_gap_before_a_day() -> None:
    day = date(2026, 3, 1)
    first = training_history([], day)
    assert first == TrainingHistory(
        days_since_first_activity=0, active_days=1, weeks_with_data=1, days_since_previous_activity=None
    )
    # Two sessions on one day count once; days after `day` are not history yet.
    active = [day - timedelta(days=n) for n in (0, 0, 3, 6, 7, 20, 50)] + [day + timedelta(days=2)]
    history = training_history(active, day)
    # Blocks counted back from `day`: 0–6 (days 0, 3, 6), 7–13 (day 7), 14–20 (day 20), 49–55 (day 50).
    assert history == TrainingHistory(
        days_since_first_activity=50, active_days=6, weeks_with_data=4, days_since_previous_activity=3
    )
