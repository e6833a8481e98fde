"""The library's entry point: FIT bytes in, the whole analysis as a JSON-able dict out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from .distance import leg_odometers
from .dive import with_dive
from .fit import DecodedActivity, NoActivityData, SessionData, decode
from .profile import AthleteProfile
from .session import analyze_session

# Bump when a formula changes: stored results carry the version that produced them.
ANALYZER_VERSION = "0.4.0"

_SUM_KEYS = (
    "distance_m",
    "timer_time_s",
    "elapsed_time_s",
    "moving_time_s",
    "ascent_m",
    "descent_m",
    "ascent_filtered_m",
    "descent_filtered_m",
    "calories_kcal",
    "trimp",
    "hr_tss",
    "tss",
    "training_load",
)
_MAX_KEYS = (
    "max_speed_mps",
    "robust_max_speed_mps",
    "max_hr_bpm",
    "max_power_w",
    "max_cadence",
    "max_altitude_m",
)
_MIN_KEYS = ("min_altitude_m", "w_bal_min_j")
# Averaged over sessions weighted by each session's timer time.
_MEAN_KEYS = (
    "avg_hr_bpm",
    "avg_power_w",
    "avg_power_nonzero_w",
    "avg_cadence",
    "avg_cadence_with_zeros",
    "avg_cadence_nonzero",
    "avg_temperature_c",
)


def merged_metrics(session: Mapping[str, Any]) -> dict[str, Any]:
    """The session's headline numbers: the device's value where it gave one, else the computed one."""
    device, computed = session["device"], session["computed"]
    keys = dict.fromkeys([*computed, *device])
    out = {k: device.get(k) if device.get(k) is not None else computed.get(k) for k in keys}
    out["training_load_method"] = computed.get("training_load_method", "")
    return out


def summarize(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Whole-activity MetricSet: one session's merged numbers, or the sessions' combined for multisport."""
    merged = [merged_metrics(s) for s in sessions]
    if not merged:
        return {"training_load_method": ""}
    if len(merged) == 1:
        return merged[0]

    def values(key: str) -> list[float]:
        return [m[key] for m in merged if m.get(key) is not None]

    out: dict[str, Any] = {}
    for key in _SUM_KEYS:
        out[key] = sum(values(key)) if values(key) else None
    for key in _MAX_KEYS:
        out[key] = max(values(key)) if values(key) else None
    for key in _MIN_KEYS:
        out[key] = min(values(key)) if values(key) else None
    for key in _MEAN_KEYS:
        pairs = [(m[key], m.get("timer_time_s") or 0.0) for m in merged if m.get(key) is not None]
        total = sum(w for _, w in pairs)
        out[key] = sum(v * w for v, w in pairs) / total if total > 0 else None
    # The two speeds as a session defines them (motion.py): over timer time, and over moving time.
    for key, time_key in (("avg_speed_mps", "timer_time_s"), ("moving_speed_mps", "moving_time_s")):
        out[key] = (
            out["distance_m"] / out[time_key] if out["distance_m"] is not None and out[time_key] else None
        )
    # The method of the session that contributed most of the load names the whole activity's.
    loads = [(m.get("training_load") or 0.0, m.get("training_load_method", "")) for m in merged]
    out["training_load_method"] = max(loads)[1] if out["training_load"] is not None else ""
    return out


def activity_sport(sessions: list[dict[str, Any]]) -> str:
    sports = {s["sport"] for s in sessions if s["sport"] != "transition"}
    if len(sessions) == 1 or len(sports) == 1:
        sport: str = sessions[0]["sport"] if len(sessions) == 1 else sports.pop()
        return sport
    return "multisport" if sessions else ""


def _start_s(session: SessionData) -> float | None:
    """When a session begins: its start_time, or its first sample when that comes earlier (the fenix 2
    stamps a leg's start_time long after the leg's first record)."""
    start = session.fields.get("start_time")
    times = session.samples.time_s[np.isfinite(session.samples.time_s)]
    candidates = [start.timestamp()] if isinstance(start, datetime) else []
    candidates += [float(times[0])] if times.size else []
    return min(candidates) if candidates else None


def analyze_decoded(
    decoded: DecodedActivity, profile: AthleteProfile | None = None, *, stream_points: int = 500
) -> dict[str, Any]:
    """The analysis of an already decoded file (see `analyze`); NoActivityData when it holds no session."""
    if not decoded.sessions:
        # A readable file without an activity (a header only, definitions only): nothing to store or advise.
        what = "no record or session message" if decoded.record_count == 0 else "no timestamped record"
        raise NoActivityData(f"{what} in {len(decoded.headers)} FIT file(s)")
    all_events = [e for s in decoded.sessions for e in s.events]
    starts = [_start_s(s) for s in decoded.sessions]
    odometers = leg_odometers(
        [
            (start, s.samples.time_s, s.samples.distance_m)
            for start, s in zip(starts, decoded.sessions, strict=True)
        ]
    )
    sessions = []
    for k, s in enumerate(decoded.sessions):
        analyzed = analyze_session(
            s,
            profile,
            stream_points=stream_points,
            all_events=all_events,
            odometer=odometers[k],
            previous_sport=decoded.sessions[k - 1].sport if k else None,
            next_start_s=starts[k + 1] if k + 1 < len(starts) else None,
        )
        sessions.append(with_dive(analyzed, s))
    return {
        "analyzer_version": ANALYZER_VERSION,
        "record_count": decoded.record_count,
        "device": decoded.device,
        "local_offset_s": decoded.local_offset_s,
        "sport": activity_sport(sessions),
        "start_time": sessions[0]["start_time"] if sessions else None,
        "summary": summarize(sessions),
        "sessions": sessions,
        "warnings": list(decoded.warnings),
    }


def analyze(
    data: bytes, profile: AthleteProfile | None = None, *, stream_points: int = 500
) -> dict[str, Any]:
    """Decode FIT bytes and compute every metric of every session.

    Returns a JSON-able dict: {analyzer_version, record_count, device, local_offset_s, sport, start_time,
    summary (MetricSet), sessions (Session dicts), warnings}. Absent values are None; pass a part through
    `drop_none` before `google.protobuf.json_format.ParseDict`. Raises `InvalidFitFile` for bad input,
    and its subclass `NoActivityData` for a readable file without an activity.
    """
    return analyze_decoded(decode(data), profile, stream_points=stream_points)


def drop_none(value: Any) -> Any:
    """A copy without None values (dict entries removed, recursively): proto3 JSON has no null scalars."""
    if isinstance(value, Mapping):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value if v is not None]
    return value
