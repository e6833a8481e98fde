"""Speed and pace: average, robust maximum, and grade-adjusted pace (Minetti 2002) for runs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .series import Array

# Minetti's polynomial is fitted for grades between -45 % and +45 %.
MAX_GRADE = 0.45
FLAT_COST_J_PER_KG_M = 3.6
# Grade is measured over ±this many metres of track, so a 1 m barometer step over 2 m is not a 50 % wall.
GRADE_HALF_WINDOW_M = 25.0


# A sample may exceed the larger of its neighbours by at most this factor when taking a maximum.
SPIKE_FACTOR = 1.1


def robust_max(values: Array) -> float | None:
    """Maximum with single-sample spikes capped at 110 % of their larger neighbour.

    A GPS jump is one sample far above both neighbours (the Edge 500 fixture reports 94 km/h); a real peak
    has at least one neighbour close to it, so it is kept (a running median would shave real peaks too).
    """
    v = values[np.isfinite(values)]
    if v.size == 0:
        return None
    if v.size < 3:
        return float(v.max())
    left = np.concatenate(([-np.inf], v[:-1]))
    right = np.concatenate((v[1:], [-np.inf]))
    return float(np.minimum(v, np.maximum(left, right) * SPIKE_FACTOR).max())


def speed_from_distance(cumulative_m: Array, time_s: Array) -> Array:
    """Per-sample speed from distance differences (for files with distance but no speed field)."""
    v = np.full(time_s.size, np.nan)
    if time_s.size >= 2:
        dt = np.diff(time_s)
        dd = np.diff(cumulative_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            v[1:] = np.where(dt > 0, dd / dt, np.nan)
    return v


def minetti_cost(grade: Array) -> Array:
    """Energy cost of running, J/kg/m, at grade i (rise/run), Minetti et al. 2002."""
    i = np.clip(grade, -MAX_GRADE, MAX_GRADE)
    return ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + 3.6


def grade(cumulative_m: Array, altitude_m: Array, half_window_m: float = GRADE_HALF_WINDOW_M) -> Array:
    """Grade at each sample from (already smoothed) altitude over ±half_window_m of distance."""
    g = np.zeros(cumulative_m.size)
    ok = np.isfinite(altitude_m) & np.isfinite(cumulative_m)
    if ok.sum() < 2:
        return g
    d, a = cumulative_m[ok], altitude_m[ok]
    lo = np.clip(d - half_window_m, d[0], d[-1])
    hi = np.clip(d + half_window_m, d[0], d[-1])
    span = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        gr = np.where(span > 1.0, (np.interp(hi, d, a) - np.interp(lo, d, a)) / span, 0.0)
    g[ok] = np.clip(gr, -MAX_GRADE, MAX_GRADE)
    return g


def grade_adjusted_distance_m(
    cumulative_m: Array, altitude_m: Array, mask: NDArray[np.bool_] | None = None
) -> float:
    """Flat-equivalent distance: each step weighted by C(grade) / C(0).

    GAP speed = this / moving time, i.e. the mean of v · C(i) / 3.6 over moving time.
    """
    steps = np.diff(cumulative_m, prepend=cumulative_m[0])
    factor = minetti_cost(grade(cumulative_m, altitude_m)) / FLAT_COST_J_PER_KG_M
    if mask is not None:
        steps = np.where(mask, steps, 0.0)
    return float((steps * factor).sum())
