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
    the reference is then credited. Finding where the reference moves is inherently sequential, so one loop
    over plain floats does only that (two comparisons per sample); the steps are then summed with numpy,
    in the same order, so the totals are the ones a running sum gives.
    """
    n = altitude_m.size
    ok = np.flatnonzero(np.isfinite(altitude_m))
    if ok.size == 0:
        return np.zeros(n), np.zeros(n)
    values = altitude_m[ok].tolist()
    first = values[0]
    high, low = first + threshold_m, first - threshold_m
    moves: list[int] = []
    for k, a in enumerate(values):
        if a > high or a < low:
            moves.append(k)
            high, low = a + threshold_m, a - threshold_m
    at = ok[np.asarray(moves, dtype=np.int64)]
    new = altitude_m[at]
    ref = np.concatenate(([first], new[:-1]))
    up = new > ref + threshold_m
    gains = np.concatenate(([0.0], np.cumsum(np.where(up, new - ref, 0.0))))
    losses = np.concatenate(([0.0], np.cumsum(np.where(up, 0.0, ref - new))))
    # Every sample (with or without altitude) carries the totals after the last move at or before it.
    moves_so_far = np.zeros(n, dtype=np.int64)
    moves_so_far[at] = 1
    np.cumsum(moves_so_far, out=moves_so_far)
    return gains[moves_so_far], losses[moves_so_far]


def gain_loss(altitude_m: Array, threshold_m: float = HYSTERESIS_M) -> tuple[float, float]:
    """Total (ascent, descent) in metres."""
    gain, loss = cumulative_gain_loss(altitude_m, threshold_m)
    if gain.size == 0:
        return 0.0, 0.0
    return float(gain[-1]), float(loss[-1])
