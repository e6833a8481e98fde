"""One session's analysis: decoded samples and messages in, a `fitcoach.activity.v1.Session` dict out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import efficiency, elevation, heart_rate, pace, power, times
from .device import cadence_factor, device_metrics, scalar
from .distance import cumulative_distance_m
from .efforts import best_distance_efforts
from .fit import SessionData
from .load import training_load
from .profile import AthleteProfile, resolve_profile
from .series import (
    Array,
    Intervals,
    active_clock,
    active_time_at,
    finite_max,
    finite_min,
    has_values,
    interp_monotone,
    sample_durations,
    to_active_seconds,
    to_elapsed_seconds,
    weighted_mean,
)
from .splits import KM_M, MILE_M, splits
from .streams import downsample_streams
from .swim import swim_summary

RUN_SPORTS = frozenset({"running"})
ZERO_FREE_CADENCE_SPORTS = frozenset({"running", "walking", "hiking", "cycling"})
# The channel whose shape picks the chart points (the first one the session has).
STREAM_PRIMARY = ("heart_rate_bpm", "speed_mps", "power_w", "altitude_m")


def rfc3339(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None


def _start_epoch(fields: Mapping[str, Any], time_s: Array) -> float | None:
    start = fields.get("start_time")
    if isinstance(start, datetime):
        return start.timestamp()
    return float(time_s[0]) if time_s.size else None


def _cadence(samples_cadence: Array, sport: str | None) -> Array:
    return samples_cadence * cadence_factor(sport)


def analyze_session(
    session: SessionData,
    profile: AthleteProfile | None = None,
    *,
    stream_points: int = 500,
    all_events: Sequence[Mapping[str, Any]] | None = None,
    previous_distance_m: float | None = None,
) -> dict[str, Any]:
    """Everything FitCoach shows for one session, as a dict with `Session`'s field names.

    `all_events` are the timer events of the whole file: a multisport leg often has no timer event of its
    own, and the timer state it inherits comes from the legs before it. `previous_distance_m` is the last
    record distance of the previous leg (for recorders whose distance accumulates across legs).
    """
    fields = session.fields
    sport = session.sport
    s = session.samples
    keep = np.isfinite(s.time_s)
    t = s.time_s[keep]
    device = device_metrics(fields, sport)
    result: dict[str, Any] = {
        "sport": sport or "",
        "sub_sport": session.sub_sport or "",
        "start_time": rfc3339(fields.get("start_time")),
        "device": device,
        "laps": [_lap(k, lap, sport) for k, lap in enumerate(session.laps)],
        "swim": swim_summary(session.lengths, scalar(fields.get("pool_length"))),
    }
    computed, extras = compute_metrics(
        t=t,
        distance=s.distance_m[keep],
        speed=s.speed_mps[keep],
        altitude=s.altitude_m[keep],
        hr=s.heart_rate_bpm[keep],
        cadence=_cadence(s.cadence[keep], sport),
        power_w=s.power_w[keep],
        lat=s.lat_deg[keep],
        lon=s.lon_deg[keep],
        temperature=s.temperature_c[keep],
        sport=sport,
        start_s=_start_epoch(fields, t),
        events=all_events if all_events is not None else session.events,
        profile=profile,
        stream_points=stream_points,
        previous_distance_m=previous_distance_m,
        swim_active_s=_swim_active_s(session.lengths),
    )
    result["computed"] = computed
    result.update(extras)
    return result


def _swim_active_s(lengths: Sequence[Mapping[str, Any]]) -> float | None:
    active = [scalar(ln.get("total_timer_time")) for ln in lengths if ln.get("length_type") == "active"]
    values = [a for a in active if a is not None]
    return float(sum(values)) if values else None


def _lap(index: int, lap: Mapping[str, Any], sport: str | None) -> dict[str, Any]:
    return {
        "index": index + 1,
        "start_time": rfc3339(lap.get("start_time")),
        "metrics": device_metrics(lap, sport),
    }


def compute_metrics(
    *,
    t: Array,
    distance: Array,
    speed: Array,
    altitude: Array,
    hr: Array,
    cadence: Array,
    power_w: Array,
    lat: Array,
    lon: Array,
    temperature: Array,
    sport: str | None,
    start_s: float | None,
    events: Sequence[Mapping[str, Any]],
    profile: AthleteProfile | None,
    stream_points: int = 500,
    previous_distance_m: float | None = None,
    swim_active_s: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(MetricSet dict, the session's other computed parts: splits, zones, efforts, curve, streams,
    defaults_used) from sample arrays of one session."""
    empty: dict[str, Any] = {"training_load_method": ""}
    extras: dict[str, Any] = {
        "splits_km": [],
        "splits_mile": [],
        "hr_zones": [],
        "power_zones": [],
        "best_efforts": [],
        "power_curve": [],
        "streams": None,
        "defaults_used": [],
    }
    if t.size == 0:
        return empty, extras
    start = min(start_s, float(t[0])) if start_s is not None else float(t[0])
    step = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    last = float(t[-1])
    end = last + min(max(step, 0.0), 1.0)

    # --- time ---
    intervals = times.timer_intervals_from_events(events, start, last, end)
    if intervals is None:
        intervals = times.timer_intervals_from_samples(t)
    w = sample_durations(t, intervals)
    active_s = active_time_at(t, intervals)
    timer_s = times.total_time(intervals)

    # --- distance and speed ---
    cum, _source = cumulative_distance_m(distance, lat, lon, t, start_s, previous_distance_m)
    if not has_values(speed) and cum is not None and cum[-1] > 0:
        # A distance counter that never moves (rowing machine without a link) says nothing about speed.
        speed = pace.speed_from_distance(cum, t)
    hr = heart_rate.clean_hr(hr)
    activity = power_w if has_values(power_w) else cadence
    stop_go = times.SWIM_STOP_GO_MPS if sport == "swimming" else (times.STOP_SPEED_MPS, times.GO_SPEED_MPS)
    moving = times.moving_mask(t.size, speed if has_values(speed) else None, activity, *stop_go)
    moving_s = float(w[moving].sum())
    if swim_active_s is not None:
        # Pool swims: the watch knows exactly when the swimmer pushed off and touched the wall.
        moving_s = swim_active_s
    dist_total = float(cum[-1]) if cum is not None else None
    avg_speed = dist_total / moving_s if dist_total is not None and moving_s > 0 else None

    # --- elevation ---
    alt_smooth = elevation.smooth_altitude(t, altitude) if has_values(altitude) else None
    gain = loss = None
    if alt_smooth is not None:
        gain, loss = elevation.cumulative_gain_loss(alt_smooth)

    gap_speed = None
    if sport in RUN_SPORTS and cum is not None and alt_smooth is not None and moving_s > 0:
        gap_speed = pace.grade_adjusted_distance_m(cum, alt_smooth) / moving_s

    # --- heart rate ---
    resolved = resolve_profile(profile, finite_max(hr))
    defaults_used: list[str] = []
    hr_avg = weighted_mean(hr, w)
    trimp_value = hr_tss_value = None
    if hr_avg is not None:
        trimp_value = heart_rate.trimp(hr, w, resolved)
        hr_tss_value = heart_rate.hr_tss(trimp_value, resolved)
        extras["hr_zones"] = heart_rate.time_in_zones(hr, w, heart_rate.hr_zone_bounds(resolved))
        defaults_used += [
            resolved.notes[k]
            for k in ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "sex")
            if k in resolved.notes
        ]

    # --- power ---
    has_power = has_values(power_w) and bool(np.nanmax(power_w) > 0)
    p_avg = p_max = np_w = if_value = tss_value = vi = w_bal_min = None
    p1 = np.zeros(0)
    if has_power:
        p_avg = weighted_mean(power_w, w)
        p_max = finite_max(power_w)
        p1 = to_active_seconds(t, power_w, intervals)
        np_w = power.normalized_power(p1)
        if_value = power.intensity_factor(np_w, resolved.ftp_w)
        tss_value = power.training_stress_score(float(p1.size), if_value)
        vi = np_w / p_avg if np_w is not None and p_avg else None
        if resolved.critical_power_w and resolved.w_prime_j:
            p_wall = to_elapsed_seconds(t, power_w, intervals, times.pause_gap_s(t))
            w_bal_min = power.w_bal_min(p_wall, resolved.critical_power_w, resolved.w_prime_j)
        extras["power_curve"] = power.mean_max_curve(p1)
        if resolved.ftp_w:
            extras["power_zones"] = heart_rate.time_in_zones(
                power_w, w, power.power_zone_bounds(resolved.ftp_w)
            )

    # --- efficiency ---
    ef = decoupling = None
    if hr_avg is not None:
        if has_power and np_w is not None:
            ef = efficiency.efficiency_factor(np_w, hr_avg)
            decoupling = efficiency.power_decoupling_pct(p1, to_active_seconds(t, hr, intervals))
        elif avg_speed is not None and sport in RUN_SPORTS:
            ef = efficiency.efficiency_factor(avg_speed * 60.0, hr_avg)
            decoupling = efficiency.speed_decoupling_pct(speed, hr, w, active_s, moving)

    # --- cadence: over timer time. Zeros in rides (coasting) and runs/walks (standing) are pauses in the
    # motion, not slow pedalling, and do not count (GoldenCheetah, Strava, most devices); for strokes
    # (swim, rowing) the devices average them in.
    cad_ok = cadence > 0
    cad_avg = None
    if has_values(cadence):
        cad_avg = weighted_mean(cadence, w, cad_ok if sport in ZERO_FREE_CADENCE_SPORTS else None)
    cad_max = finite_max(np.where(cad_ok, cadence, np.nan)) if has_values(cadence) else None

    load, method = training_load(tss_value, hr_tss_value, timer_s)
    computed: dict[str, Any] = {
        "distance_m": dist_total,
        "timer_time_s": timer_s,
        "elapsed_time_s": last - start,
        "moving_time_s": moving_s,
        "avg_speed_mps": avg_speed,
        "max_speed_mps": pace.robust_max(speed) if has_values(speed) else None,
        "avg_hr_bpm": hr_avg,
        "max_hr_bpm": finite_max(hr),
        "ascent_m": float(gain[-1]) if gain is not None else None,
        "descent_m": float(loss[-1]) if loss is not None else None,
        "avg_power_w": p_avg,
        "max_power_w": p_max,
        "normalized_power_w": np_w,
        "avg_cadence": cad_avg,
        "max_cadence": cad_max,
        "calories_kcal": None,  # only the device knows the athlete's weight and its own model
        "min_altitude_m": finite_min(altitude),
        "max_altitude_m": finite_max(altitude),
        "gap_speed_mps": gap_speed,
        "trimp": trimp_value,
        "hr_tss": hr_tss_value,
        "intensity_factor": if_value,
        "tss": tss_value,
        "variability_index": vi,
        "efficiency_factor": ef,
        "decoupling_pct": decoupling,
        "avg_temperature_c": weighted_mean(temperature, w),
        "training_load": load,
        "training_load_method": method,
        "w_bal_min_j": w_bal_min,
    }

    # --- splits and best efforts (timer time along the track) ---
    if cum is not None and dist_total and dist_total > 0:
        for key, size in (("splits_km", KM_M), ("splits_mile", MILE_M)):
            extras[key] = splits(cum, active_s, size, hr, w, gain, loss)
        if sport in RUN_SPORTS:
            extras["best_efforts"] = _to_elapsed(best_distance_efforts(cum, active_s), intervals, start)
    if has_power:
        extras["best_efforts"] = extras["best_efforts"] + _to_elapsed(
            power.best_power_efforts(p1), intervals, start
        )

    # --- chart streams ---
    channels = {
        "distance_m": cum,
        "heart_rate_bpm": hr,
        "speed_mps": speed,
        "altitude_m": altitude,
        "power_w": power_w,
        "cadence": cadence,
        "lat_deg": lat,
        "lon_deg": lon,
    }
    primary = next((c for c in STREAM_PRIMARY if has_values(channels[c])), None)
    extras["streams"] = downsample_streams(t - start, channels, primary, stream_points)
    extras["defaults_used"] = defaults_used
    return computed, extras


def _to_elapsed(efforts: list[dict[str, Any]], intervals: Intervals, t0: float) -> list[dict[str, Any]]:
    """Efforts' start offsets are found in timer seconds; report them as seconds since session start."""
    xs, ys = active_clock(intervals)
    # Invert A(t): the first instant at which the timer had run `offset` seconds.
    starts = interp_monotone(np.array([e["start_offset_s"] for e in efforts]), ys, xs) - t0
    for e, start in zip(efforts, starts.tolist(), strict=True):
        e["start_offset_s"] = start
    return efforts
