"""Dives: depth, time under water and surface intervals of a dive-computer session.

Two sources, like every other metric: the device's own `dive_summary` messages (Garmin Descent writes one per
dive, referencing its lap, and one for the whole session) and the `depth` of the records, from which the
dives are found again (Suunto writes no dive_summary). A dive is a stretch deeper than DIVE_DEPTH_M; its
start and end are where the depth crosses that line, interpolated between the samples either side.

The session message's own `max_depth` is not used: the Suunto Ocean freedive's says 57 while its records
never go below 11.42 m.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from .device import scalar
from .fit import SessionData
from .series import Array

# Dive computers start and end a logged dive at 1.2 m (Garmin Descent's and Suunto's default), so ripples
# at the surface and a snorkeller's head under water do not count as dives.
DIVE_DEPTH_M = 1.2
# Nobody breathes up in less than this: a head that bobs above the line for a moment has not surfaced.
MIN_SURFACE_INTERVAL_S = 5.0


def _crossing(t0: float, d0: float, t1: float, d1: float) -> float:
    """When the depth passed DIVE_DEPTH_M between two samples (one above it, one at or below)."""
    return t0 + (DIVE_DEPTH_M - d0) / (d1 - d0) * (t1 - t0)


def dives_from_depth(time_s: Array, depth_m: Array) -> list[dict[str, Any]]:
    """The dives in a depth stream (unix seconds, metres; NaN = no depth), in order.

    Each dive: start (unix s), dive_time_s, max_depth_m, avg_depth_m (time-weighted over the dive, the
    stretch above the line at both ends included) and surface_interval_s since the previous dive's end.
    """
    keep = np.isfinite(time_s) & np.isfinite(depth_m)
    t, d = time_s[keep], depth_m[keep]
    under = d >= DIVE_DEPTH_M
    if not under.any():
        return []
    edges = np.diff(np.concatenate(([0], under.astype(np.int8), [0])))
    firsts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # ends: one past the last
    spans: list[list[Any]] = []  # [start time, end time, first sample, one past the last sample]
    for first, end in zip(firsts.tolist(), ends.tolist(), strict=True):
        start = _crossing(t[first - 1], d[first - 1], t[first], d[first]) if first > 0 else t[first]
        stop = _crossing(t[end - 1], d[end - 1], t[end], d[end]) if end < len(t) else t[end - 1]
        if spans and start - spans[-1][1] < MIN_SURFACE_INTERVAL_S:
            spans[-1][1], spans[-1][3] = stop, end  # bobbed above the line: still the same dive
        else:
            spans.append([start, stop, first, end])
    dives: list[dict[str, Any]] = []
    for start, stop, first, end in spans:
        inside = slice(first, end)
        times = np.concatenate(([start], t[inside], [stop]))
        depths = np.concatenate(([DIVE_DEPTH_M], np.maximum(d[inside], 0.0), [DIVE_DEPTH_M]))
        duration = float(stop - start)
        area = float(np.sum((depths[1:] + depths[:-1]) / 2 * np.diff(times)))
        dives.append(
            {
                "start_s": float(start),
                "dive_time_s": duration,
                "max_depth_m": float(d[inside].max()),
                "avg_depth_m": area / duration if duration > 0 else float(d[inside].max()),
                "surface_interval_s": float(start - dives[-1]["start_s"] - dives[-1]["dive_time_s"])
                if dives
                else None,
            }
        )
    return dives


def _summaries(messages: Sequence[Mapping[str, Any]], reference: str) -> list[Mapping[str, Any]]:
    return [m for m in messages if m.get("reference_mesg") == reference]


def _device(
    session_summary: Mapping[str, Any] | None, lap_summaries: list[Mapping[str, Any]]
) -> dict[str, Any]:
    """The device's MetricSet numbers: the session's dive_summary, dives counted from the per-lap ones."""
    out: dict[str, Any] = {}
    if session_summary is not None:
        out["max_depth_m"] = scalar(session_summary.get("max_depth"))
        out["avg_depth_m"] = scalar(session_summary.get("avg_depth"))
        out["bottom_time_s"] = scalar(session_summary.get("bottom_time"))
    dives = [m for m in lap_summaries if (scalar(m.get("bottom_time")) or 0) > 0]
    if dives:
        out["dive_count"] = len(dives)
        # The first dive's interval counts from the previous dive the computer knows, before this session.
        between = [v for m in dives[1:] if (v := scalar(m.get("surface_interval"))) is not None]
        out["surface_interval_s"] = min(between) if between else None
    return out


def _computed(dives: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(d["dive_time_s"] for d in dives)
    between = [d["surface_interval_s"] for d in dives[1:]]
    return {
        "max_depth_m": max(d["max_depth_m"] for d in dives),
        "avg_depth_m": sum(d["avg_depth_m"] * d["dive_time_s"] for d in dives) / total if total > 0 else None,
        "bottom_time_s": total,
        "dive_count": len(dives),
        "surface_interval_s": min(between) if between else None,
    }


def _start_epoch(session: SessionData) -> float | None:
    start = session.fields.get("start_time")
    if isinstance(start, datetime):
        return start.timestamp()
    times = session.samples.time_s[np.isfinite(session.samples.time_s)]
    return float(times[0]) if times.size else None


def session_dive(session: SessionData) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """(device MetricSet numbers, computed MetricSet numbers, Dive message) of one session.

    All empty / None when the session has neither dive summaries nor depth samples.
    """
    summaries = session.dive_summaries
    session_summaries = _summaries(summaries, "session")
    session_summary = session_summaries[-1] if session_summaries else None
    lap_summaries = _summaries(summaries, "lap")
    device = _device(session_summary, lap_summaries)
    found = dives_from_depth(session.samples.time_s, session.samples.depth_m)
    computed = _computed(found) if found else {}
    if not found and not summaries:
        return device, computed, None

    origin = _start_epoch(session)
    if found:
        dives = [
            {
                "index": i,
                "start_offset_s": d["start_s"] - origin if origin is not None else None,
                **{k: v for k, v in d.items() if k != "start_s"},
            }
            for i, d in enumerate(found, 1)
        ]
    else:  # no depth samples: the computer's per-dive summaries are all there is
        dives = [
            {
                "index": i,
                "dive_time_s": scalar(m.get("bottom_time")),
                "max_depth_m": scalar(m.get("max_depth")),
                "avg_depth_m": scalar(m.get("avg_depth")),
                "surface_interval_s": scalar(m.get("surface_interval")) if i > 1 else None,
            }
            for i, m in enumerate(lap_summaries, 1)
        ]
    first = session_summary or (lap_summaries[0] if lap_summaries else None)
    dive_number = scalar(session_summary.get("dive_number")) if session_summary is not None else None
    message = {
        "dives": dives,
        # Time at the surface before this session's first dive, as the computer counted it.
        "surface_interval_before_s": scalar(first.get("surface_interval")) if first is not None else None,
        "dive_number": int(dive_number) if dive_number is not None else None,
    }
    return device, computed, message


def with_dive(result: dict[str, Any], session: SessionData) -> dict[str, Any]:
    """A session's analysis (`analyze_session`'s dict) with the dive numbers added, when it has any."""
    device, computed, message = session_dive(session)
    result["dive"] = message
    result["device"].update({k: v for k, v in device.items() if v is not None})
    result["computed"].update({k: v for k, v in computed.items() if v is not None})
    return result
