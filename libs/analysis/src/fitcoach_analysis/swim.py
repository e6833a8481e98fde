"""Pool swims, from the device's `length` messages: lengths, strokes, SWOLF, pace per 100 m."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def swim_summary(lengths: Sequence[Mapping[str, Any]], pool_length_m: float | None) -> dict[str, Any] | None:
    """Swim message fields, or None when the session has no length messages.

    Only active lengths count (idle lengths are rests at the wall). SWOLF per length = seconds + strokes;
    pace = active time / (active lengths × pool length) per 100 m.
    """
    if not lengths:
        return None
    active = [ln for ln in lengths if ln.get("length_type", "active") == "active"]
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
