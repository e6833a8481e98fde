"""Pool swims, from the device's `length` messages: lengths, strokes, SWOLF, pace, and the session's
distance, time, speed and stroke rate as the device counts them.

In a pool the length is the unit of measurement: the watch detects each push-off and turn, and records
one `length` message per length swum ("active") or rested at the wall ("idle"). Records carry no distance
there (or a GPS track that means nothing indoors), so a pool swim's numbers come from its lengths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _active(lengths: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [ln for ln in lengths if ln.get("length_type", "active") == "active"]


def swim_summary(lengths: Sequence[Mapping[str, Any]], pool_length_m: float | None) -> dict[str, Any] | None:
    """Swim message fields, or None when the session has no length messages.

    Only active lengths count (idle lengths are rests at the wall). SWOLF per length = seconds + strokes;
    pace = active time / (active lengths × pool length) per 100 m.
    """
    if not lengths:
        return None
    active = _active(lengths)
    times = [t for ln in active if (t := _num(ln.get("total_timer_time"))) is not None]
    strokes = [s for ln in active if (s := _num(ln.get("total_strokes"))) is not None]
    swolfs = [
        t + s
        for ln in active
        if (t := _num(ln.get("total_timer_time"))) is not None
        and (s := _num(ln.get("total_strokes"))) is not None
    ]
    pace = None
    if pool_length_m and active and times:
        pace = sum(times) / (len(active) * pool_length_m) * 100.0
    return {
        "pool_length_m": pool_length_m,
        "active_lengths": len(active),
        "strokes": float(sum(strokes)) if strokes else None,
        "avg_swolf": sum(swolfs) / len(swolfs) if swolfs else None,
        "pace_s_per_100m": pace,
    }


@dataclass(frozen=True)
class PoolSwim:
    """A pool swim's session numbers, defined as the watch defines them (checked on five Garmin models)."""

    distance_m: float  # active lengths × pool length
    timer_s: float  # every length, swum or rested: the watch's timer runs through rests at the wall
    swimming_s: float  # the active lengths only: the watch's average speed is over this time
    max_speed_mps: float | None  # the fastest length
    avg_cadence: float | None  # strokes per minute, the lengths' stroke rates weighted by their time
    max_cadence: float | None  # the highest stroke rate of a length


def pool_swim(lengths: Sequence[Mapping[str, Any]], pool_length_m: float | None) -> PoolSwim | None:
    """The session numbers of a pool swim, or None without a pool length or a timed active length."""
    active = [ln for ln in _active(lengths) if _num(ln.get("total_timer_time"))]
    if not pool_length_m or not active:
        return None
    swim_times = [float(ln["total_timer_time"]) for ln in active]
    rated = [
        (c, t)
        for ln, t in zip(active, swim_times, strict=True)
        if (c := _num(ln.get("avg_swimming_cadence")))
    ]
    return PoolSwim(
        distance_m=len(active) * pool_length_m,
        timer_s=sum(t for ln in lengths if (t := _num(ln.get("total_timer_time"))) is not None),
        swimming_s=sum(swim_times),
        max_speed_mps=pool_length_m / min(swim_times),
        avg_cadence=sum(c * t for c, t in rated) / sum(t for _, t in rated) if rated else None,
        max_cadence=max(c for c, _ in rated) if rated else None,
    )
