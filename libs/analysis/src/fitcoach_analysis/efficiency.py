"""Efficiency factor and aerobic decoupling (Friel).

EF = output / average HR, with output = normalized power for rides with power, else speed in metres per
minute (runs). Decoupling compares EF of the first and second half of the session's timer time:
(EF₁ − EF₂) / EF₁ · 100; above ~5 % the aerobic base did not hold the pace.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .power import normalized_power
from .series import Array, weighted_mean


def efficiency_factor(output: float | None, avg_hr_bpm: float | None) -> float | None:
    if output is None or not avg_hr_bpm:
        return None
    return output / avg_hr_bpm


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
    return (ef1 - ef2) / ef1 * 100.0
