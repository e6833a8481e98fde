"""One session's analysis: decoded samples and messages in, a `fitcoach.activity.v1.Session` dict out.

`compute_metrics` puts the metric families together; each family computes its own part from the session's
clock (times.Clock): motion (distance, speed, moving time), elevation, heart rate, power, cadence and
efficiency, then the parts that follow along the track (splits, best efforts) and the chart streams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .cadence import cadence_metrics
from .device import cadence_factor, device_metrics, scalar
from .efficiency import RUN_SPORTS, efficiency_metrics
from .efforts import best_distance_efforts
from .elevation import Elevation, elevation_metrics
from .fit import Samples, SessionData
from .heart_rate import clean_hr, heart_rate_metrics
from .load import training_load
from .motion import Motion, motion_metrics
from .pace import grade_adjusted_distance_m
from .power import best_power_efforts, mean_max_curve, power_metrics
from .profile import AthleteProfile, resolve_profile
from .series import Array, Intervals, active_clock, finite_max, has_values, interp_monotone, weighted_mean
from .splits import KM_M, MILE_M, splits
from .streams import downsample_streams
from .swim import PoolSwim, pool_swim, swim_summary
from .times import Clock, last_event_s, session_clock

# The channel whose shape picks the chart points (the first one the session has).
STREAM_PRIMARY = ("heart_rate_bpm", "speed_mps", "power_w", "altitude_m")


def rfc3339(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None


def _epoch(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def analyze_session(
    session: SessionData,
    profile: AthleteProfile | None = None,
    *,
    stream_points: int = 500,
    all_events: Sequence[Mapping[str, Any]] | None = None,
    odometer: tuple[float | None, float | None] = (None, None),
    previous_sport: str | None = None,
    next_start_s: float | None = None,
) -> dict[str, Any]:
    """Everything FitCoach shows for one session, as a dict with `Session`'s field names.

    `all_events` are the timer events of the whole file: a multisport leg often has no timer event of its
    own, and the timer state it inherits comes from the legs before it. `odometer` is the record distance
    when the leg began and ended, for recorders whose distance runs on across legs (distance.leg_odometers);
    `previous_sport` is the sport of the leg before (a transition averages cadence as the leg before it did). `next_start_s`
    is when the next session begins (None for the last): a leg whose timer still runs lasts until then.
    """
    fields = session.fields
    sport = session.sport
    pool_length = scalar(fields.get("pool_length"))
    result: dict[str, Any] = {
        "sport": sport or "",
        "sub_sport": session.sub_sport or "",
        "start_time": rfc3339(fields.get("start_time")),
        "device": device_metrics(fields, sport),
        "laps": [_lap(k, lap, sport) for k, lap in enumerate(session.laps)],
        "swim": swim_summary(session.lengths, pool_length),
    }
    computed, extras = compute_metrics(
        session.samples.take(np.isfinite(session.samples.time_s)),
        sport=sport,
        start_s=_epoch(fields.get("start_time")),
        next_start_s=next_start_s,
        events=all_events if all_events is not None else session.events,
        profile=profile,
        stream_points=stream_points,
        odometer=odometer,
        previous_sport=previous_sport,
        pool=pool_swim(session.lengths, pool_length),
    )
    result["computed"] = computed
    result.update(extras)
    return result


def _lap(index: int, lap: Mapping[str, Any], sport: str | None) -> dict[str, Any]:
    return {
        "index": index + 1,
        "start_time": rfc3339(lap.get("start_time")),
        "metrics": device_metrics(lap, sport),
    }


def compute_metrics(
    samples: Samples,
    *,
    sport: str | None,
    start_s: float | None,
    events: Sequence[Mapping[str, Any]],
    next_start_s: float | None = None,
    profile: AthleteProfile | None,
    stream_points: int = 500,
    odometer: tuple[float | None, float | None] = (None, None),
    previous_sport: str | None = None,
    pool: PoolSwim | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(MetricSet dict, the session's other computed parts: splits, zones, efforts, curve, streams,
    defaults_used) from the samples of one session (finite times, sorted) and its bounds."""
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
    t = samples.time_s
    if t.size == 0:
        return {"training_load_method": ""}, extras
    start = min(start_s, float(t[0])) if start_s is not None else float(t[0])
    clock = session_clock(t, start, events, next_start_s)
    hr = clean_hr(samples.heart_rate_bpm)
    cadence = samples.cadence * cadence_factor(sport)
    power_w = samples.power_w
    resolved = resolve_profile(profile, finite_max(hr))

    activity = power_w if np.isfinite(power_w).any() else cadence
    motion = motion_metrics(
        clock,
        samples.distance_m,
        samples.speed_mps,
        samples.lat_deg,
        samples.lon_deg,
        activity,
        sport,
        session_start_s=start_s,
        odometer=odometer,
        pool=pool,
    )
    elevation = elevation_metrics(t, samples.altitude_m)
    heart, extras["hr_zones"], extras["defaults_used"] = heart_rate_metrics(hr, clock.weights, resolved)
    power, power_1hz, extras["power_zones"] = power_metrics(power_w, clock, resolved)
    cadence_part = cadence_metrics(cadence, clock.weights, sport, previous_sport, pool)
    efficiency = efficiency_metrics(
        clock,
        hr,
        heart["avg_hr_bpm"],
        power_1hz,
        power["normalized_power_w"],
        motion.speed_mps,
        motion.moving,
        motion.metrics["moving_speed_mps"],
        sport,
    )
    timer_s, elapsed_s = _timer_and_elapsed(clock, pool, events, next_start_s)
    load, method = training_load(power["tss"], heart["hr_tss"], timer_s)
    computed: dict[str, Any] = {
        "timer_time_s": timer_s,
        "elapsed_time_s": elapsed_s,
        **motion.metrics,
        **heart,
        **elevation.metrics,
        **power,
        **cadence_part,
        **efficiency,
        "gap_speed_mps": _gap_speed(motion, elevation, sport),
        "calories_kcal": None,  # only the device knows the athlete's weight and its own model
        "avg_temperature_c": weighted_mean(samples.temperature_c, clock.weights),
        "training_load": load,
        "training_load_method": method,
    }
    extras.update(_along_the_track(motion, clock, hr, elevation, power_1hz, sport))
    if power_1hz.size:
        extras["power_curve"] = mean_max_curve(power_1hz)
    extras["streams"] = _chart_streams(samples, clock, motion, hr, cadence, stream_points)
    return computed, extras


def _timer_and_elapsed(
    clock: Clock, pool: PoolSwim | None, events: Sequence[Mapping[str, Any]], next_start_s: float | None
) -> tuple[float, float]:
    """The session's timer and elapsed time; a pool swim's as the watch counts them.

    A pool swim's timer is its lengths' (swims and rests), and it ends when the swimmer saves it: the
    watch counts the final rest at the wall, after the last length and record, up to its last event (so
    do all five pool swims of the fixtures and the corpus).
    """
    if pool is None:
        return clock.timer_s, clock.elapsed_s
    saved = last_event_s(events, clock.start_s, next_start_s)
    return pool.timer_s, max(clock.elapsed_s, saved - clock.start_s) if saved is not None else clock.elapsed_s


def _chart_streams(
    samples: Samples, clock: Clock, motion: Motion, hr: Array, cadence: Array, stream_points: int
) -> dict[str, list[float | str]]:
    """The session's time series for charts, downsampled along the first channel it has."""
    channels = {
        "distance_m": motion.cumulative_m,
        "heart_rate_bpm": hr,
        "speed_mps": motion.speed_mps,
        "altitude_m": samples.altitude_m,
        "power_w": samples.power_w,
        "cadence": cadence,
        "lat_deg": samples.lat_deg,
        "lon_deg": samples.lon_deg,
    }
    primary = next((c for c in STREAM_PRIMARY if has_values(channels[c])), None)
    return downsample_streams(clock.time_s - clock.start_s, channels, primary, stream_points)


def _gap_speed(motion: Motion, elevation: Elevation, sport: str | None) -> float | None:
    """Grade-adjusted speed of a run over its moving time (Minetti's cost of running, METRICS.md)."""
    moving_s = float(motion.metrics["moving_time_s"] or 0.0)
    if sport not in RUN_SPORTS or motion.cumulative_m is None or elevation.smoothed_m is None or not moving_s:
        return None
    return grade_adjusted_distance_m(motion.cumulative_m, elevation.smoothed_m) / moving_s


def _along_the_track(
    motion: Motion,
    clock: Clock,
    hr: Array,
    elevation: Elevation,
    power_1hz: Array,
    sport: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """Splits every km and mile, best efforts over distance (runs) and power durations, in timer time."""
    out: dict[str, list[dict[str, Any]]] = {"best_efforts": []}
    cum = motion.cumulative_m
    if cum is not None and cum[-1] > 0:
        for key, size in (("splits_km", KM_M), ("splits_mile", MILE_M)):
            out[key] = splits(
                cum, clock.active_s, size, hr, clock.weights, elevation.gain_m, elevation.loss_m
            )
        if sport in RUN_SPORTS:
            out["best_efforts"] = _to_elapsed(
                best_distance_efforts(cum, clock.active_s), clock.intervals, clock.start_s
            )
    if power_1hz.size:
        out["best_efforts"] += _to_elapsed(best_power_efforts(power_1hz), clock.intervals, clock.start_s)
    return out


def _to_elapsed(efforts: list[dict[str, Any]], intervals: Intervals, t0: float) -> list[dict[str, Any]]:
    """Efforts' start offsets are found in timer seconds; report them as seconds since session start."""
    xs, ys = active_clock(intervals)
    # Invert A(t): the first instant at which the timer had run `offset` seconds.
    starts = interp_monotone(np.array([e["start_offset_s"] for e in efforts]), ys, xs) - t0
    for e, start in zip(efforts, starts.tolist(), strict=True):
        e["start_offset_s"] = start
    return efforts
