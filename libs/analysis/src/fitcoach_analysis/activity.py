"""The library's entry point: FIT bytes in, the whole analysis as a JSON-able dict out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .dive import with_dive
from .fit import DecodedActivity, decode
from .profile import AthleteProfile
from .session import analyze_session

# Bump when a formula changes: stored results carry the version that produced them.
ANALYZER_VERSION = "0.2.0"

_SUM_KEYS = (
    "distance_m",
    "timer_time_s",
    "elapsed_time_s",
    "moving_time_s",
    "ascent_m",
    "descent_m",
    "calories_kcal",
    "trimp",
    "hr_tss",
    "tss",
    "training_load",
)
_MAX_KEYS = ("max_speed_mps", "max_hr_bpm", "max_power_w", "max_cadence", "max_altitude_m")
_MIN_KEYS = ("min_altitude_m", "w_bal_min_j")
# Averaged over sessions weighted by each session's timer time.
_MEAN_KEYS = ("avg_hr_bpm", "avg_power_w", "avg_cadence", "avg_temperature_c")


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
    if out["distance_m"] is not None and out["moving_time_s"]:
        out["avg_speed_mps"] = out["distance_m"] / out["moving_time_s"]
    elif out["distance_m"] is not None and out["timer_time_s"]:
        out["avg_speed_mps"] = out["distance_m"] / out["timer_time_s"]
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


def analyze_decoded(
    decoded: DecodedActivity, profile: AthleteProfile | None = None, *, stream_points: int = 500
) -> dict[str, Any]:
    """The analysis of an already decoded file (see `analyze`)."""
    all_events = [e for s in decoded.sessions for e in s.events]
    sessions = []
    previous: float | None = None
    for s in decoded.sessions:
        analyzed = analyze_session(
            s, profile, stream_points=stream_points, all_events=all_events, previous_distance_m=previous
        )
        sessions.append(with_dive(analyzed, s))
        distances = s.samples.distance_m[np.isfinite(s.samples.distance_m)]
        previous = float(distances[-1]) if distances.size else None
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
    `drop_none` before `google.protobuf.json_format.ParseDict`. Raises `InvalidFitFile` for bad input.
    """
    return analyze_decoded(decode(data), profile, stream_points=stream_points)


def drop_none(value: Any) -> Any:
    """A copy without None values (dict entries removed, recursively): proto3 JSON has no null scalars."""
    if isinstance(value, Mapping):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value if v is not None]
    return value
