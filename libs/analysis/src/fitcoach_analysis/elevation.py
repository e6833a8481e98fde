"""Elevation gain and loss: light smoothing, then a hysteresis threshold (GoldenCheetah's method).

A climb counts only once the altitude exceeds the last reference point by the threshold, which removes
GPS and barometer jitter that would otherwise add hundreds of phantom metres on a long ride.
"""

from __future__ import annotations

import numpy as np

from .series import Array, fill_gaps

# Chosen by measurement against the devices' own totals on the fixtures (Garmin Edge/fenix/Forerunner,
# Wahoo, Zwift, Coros): a 10 s centred mean and a 0.75 m band matched best (6 of 50 ascent/descent pairs out
# of tolerance, against 14 for raw altitude with GoldenCheetah's 3 m band, which undercounts barometric
# data that is already smooth).
HYSTERESIS_M = 0.75
SMOOTHING_WINDOW_S = 10.0


def smooth_altitude(time_s: Array, altitude_m: Array, window_s: float = SMOOTHING_WINDOW_S) -> Array:
    """Centred moving average over ±window_s/2 of time, after filling gaps.

    Windows are found with searchsorted on the timestamps (no 1 Hz grid), so irregular sampling and
    absurd time spans cost nothing extra.
    """
    alt = fill_gaps(altitude_m)
    if alt.size == 0 or window_s <= 0 or not np.isfinite(alt).all():
        return alt
    half = window_s / 2.0
    lo = np.searchsorted(time_s, time_s - half, side="left")
    hi = np.searchsorted(time_s, time_s + half, side="right")
    sums = np.concatenate(([0.0], np.cumsum(alt)))
    smoothed: Array = (sums[hi] - sums[lo]) / (hi - lo)
    return smoothed


def cumulative_gain_loss(altitude_m: Array, threshold_m: float = HYSTERESIS_M) -> tuple[Array, Array]:
    """Cumulative ascent and descent at each sample, with a hysteresis threshold.

    The reference moves only when the altitude leaves the band ±threshold around it; the whole step from
    the reference is then credited. This is inherently sequential, so it loops over plain floats (about
    30 ms per 100 000 samples), touching only samples where the altitude actually changed.
    """
    n = altitude_m.size
    gain = np.zeros(n)
    loss = np.zeros(n)
    ok = np.flatnonzero(np.isfinite(altitude_m))
    if ok.size == 0:
        return gain, loss
    values = altitude_m[ok].tolist()
    ref = values[0]
    up = down = 0.0
    gains = [0.0] * len(values)
    losses = [0.0] * len(values)
    for k, a in enumerate(values):
        if a > ref + threshold_m:
            up += a - ref
            ref = a
        elif a < ref - threshold_m:
            down += ref - a
            ref = a
        gains[k] = up
        losses[k] = down
    gain[ok] = gains
    loss[ok] = losses
    # Samples without altitude keep the running totals of the previous valid sample.
    idx = np.zeros(n, dtype=np.int64)
    idx[ok] = ok
    np.maximum.accumulate(idx, out=idx)
    return gain[idx], loss[idx]


def gain_loss(altitude_m: Array, threshold_m: float = HYSTERESIS_M) -> tuple[float, float]:
    """Total (ascent, descent) in metres."""
    gain, loss = cumulative_gain_loss(altitude_m, threshold_m)
    if gain.size == 0:
        return 0.0, 0.0
    return float(gain[-1]), float(loss[-1])
