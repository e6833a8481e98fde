"""Efficiency factor and aerobic decoupling (Friel).

EF = output / average HR, with output = normalized power for rides with power, else speed in metres per
minute (runs). Decoupling compares EF of the first and second half of the session's timer time:
(EF₁ − EF₂) / EF₁ · 100; above ~5 % the aerobic base did not hold the pace.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .power import normalized_power
from .series import Array, to_active_seconds, weighted_mean
from .times import Clock

RUN_SPORTS = frozenset({"running"})


def efficiency_factor(output: float | None, avg_hr_bpm: float | None) -> float | None:
    if output is None or not avg_hr_bpm:
        return None
    # A heart rate of a denormal bpm (garbage, never a real strap's) overflows the ratio: no EF then.
    ef = output / avg_hr_bpm
    return ef if np.isfinite(ef) else None


def power_decoupling_pct(power_1hz: Array, hr_1hz: Array) -> float | None:
    """Pw:HR decoupling from 1 Hz timer-time series of power and HR (NaN = no HR reading)."""
    half = power_1hz.size // 2
    if half < 60:
        return None
    efs = []
    for sl in (slice(0, half), slice(half, None)):
        hr = hr_1hz[sl]
        hr_mean = float(np.nanmean(hr)) if np.isfinite(hr).any() else None
        efs.append(efficiency_factor(normalized_power(power_1hz[sl]), hr_mean))
    return _decoupling(efs[0], efs[1])


def speed_decoupling_pct(
    speed_mps: Array, hr_bpm: Array, weights: Array, active_s: Array, mask: NDArray[np.bool_]
) -> float | None:
    """Pa:HR decoupling: speed/HR in the first vs the second half of the timer time (moving samples)."""
    if active_s.size < 2 or active_s[-1] < 120:
        return None
    first = active_s < active_s[-1] / 2
    efs = []
    for part in (first, ~first):
        m = mask & part
        v = weighted_mean(speed_mps, weights, m)
        hr = weighted_mean(hr_bpm, weights, m)
        efs.append(efficiency_factor(None if v is None else v * 60.0, hr))
    return _decoupling(efs[0], efs[1])


def _decoupling(ef1: float | None, ef2: float | None) -> float | None:
    if ef1 is None or ef2 is None or ef1 == 0:
        return None
    # An EF of almost nothing (a few denormal watts) overflows the ratio too.
    pct = (ef1 - ef2) / ef1 * 100.0
    return pct if np.isfinite(pct) else None


def efficiency_metrics(
    clock: Clock,
    heart_rate_bpm: Array,
    avg_hr_bpm: float | None,
    power_1hz: Array,
    normalized_power_w: float | None,
    speed_mps: Array,
    moving: NDArray[np.bool_],
    moving_speed_mps: float | None,
    sport: str | None,
) -> dict[str, float | None]:
    """EF and decoupling: from power for any session with power, from moving speed for runs."""
    ef = decoupling = None
    if avg_hr_bpm is not None and normalized_power_w is not None:
        ef = efficiency_factor(normalized_power_w, avg_hr_bpm)
        decoupling = power_decoupling_pct(
            power_1hz, to_active_seconds(clock.time_s, heart_rate_bpm, clock.intervals)
        )
    elif avg_hr_bpm is not None and moving_speed_mps is not None and sport in RUN_SPORTS:
        ef = efficiency_factor(moving_speed_mps * 60.0, avg_hr_bpm)
        decoupling = speed_decoupling_pct(speed_mps, heart_rate_bpm, clock.weights, clock.active_s, moving)
    return {"efficiency_factor": ef, "decoupling_pct": decoupling}
