"""Best efforts over standard distances: the fastest segment of each distance inside a run."""

from __future__ import annotations

from typing import Any

import numpy as np

from .series import Array

RUN_EFFORTS_M = (
    ("400 m", 400.0),
    ("1 km", 1000.0),
    ("1 mile", 1609.344),
    ("5 km", 5000.0),
    ("10 km", 10000.0),
    ("half marathon", 21097.5),
    ("marathon", 42195.0),
)


def fastest_segment(cumulative_m: Array, active_s: Array, distance_m: float) -> tuple[float, float] | None:
    """(shortest timer time to cover distance_m, start offset in timer seconds), or None if too short.

    Every sample is tried both as the start (the end instant interpolated between samples) and as the
    end (the start interpolated), so a segment is found exactly whenever one of its ends is a sample.
    searchsorted-based interpolation keeps the whole search O(n log n) and vectorised.
    """
    keep = np.concatenate(([True], np.diff(cumulative_m) > 0))
    d, t = cumulative_m[keep], active_s[keep]
    if d.size < 2 or d[-1] - d[0] < distance_m:
        return None
    starts = np.flatnonzero(d + distance_m <= d[-1])
    from_start = np.interp(d[starts] + distance_m, d, t) - t[starts]
    ends = np.flatnonzero(d - distance_m >= d[0])
    start_t = np.interp(d[ends] - distance_m, d, t)
    to_end = t[ends] - start_t
    i, j = int(np.argmin(from_start)), int(np.argmin(to_end))
    if from_start[i] <= to_end[j]:
        return float(from_start[i]), float(t[starts[i]])
    return float(to_end[j]), float(start_t[j])


def best_distance_efforts(cumulative_m: Array, active_s: Array) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, dist in RUN_EFFORTS_M:
        found = fastest_segment(cumulative_m, active_s, dist)
        if found is None:
            break
        out.append({"name": name, "distance_m": dist, "time_s": found[0], "start_offset_s": found[1]})
    return out
