"""Elevation gain and loss: glitches out, light smoothing, then a hysteresis band (GoldenCheetah's method).

A climb counts only once the altitude exceeds the last reference point by the band, which removes GPS and
barometer jitter that would otherwise add hundreds of phantom metres on a long ride.

Two counts are honest and both are reported. `ascent_m`/`descent_m` follow the devices, which count small
steps of their (mostly barometric) altitude: a 10 s centred mean, and a band set by the recorded signal
itself (band_for). A unit that records its altitude already filtered (Edge 200/500: the altitude moves on in
one direction for minutes) counts nearly every step of it, so the band is narrow; one that records barometer
or GPS jitter (steps that keep reversing) filters it out before counting, so the band is wider.
`ascent_filtered_m`/`descent_filtered_m` use GoldenCheetah's fixed 3 m band, which ignores the drift of a
barometer standing still and the noise of GPS altitude: lower than the device's total on rolling terrain,
closer to the map on a GPS-only recording.

Measured on the 151 ascent/descent pairs of the fixtures and the corpus (metric truth, ±10 % or 10 m):
glitch removal mends 2 and breaks none; after it the signal-driven band agrees on 121, the best fixed band
(1 m after the same 10 s mean) on 117. Cross-validated on a 0.1 m grid of bands (each recording left out of
the choice of the coefficients, the two recordings of one triathlon together) the band keeps 120 and the
fixed 1 m 117, while a free choice of fixed window (0-30 s) and band drops to 106, and a band from the size
of the steps to 115.
Against the fixed rule, windows counted in samples instead of seconds (smart recording) lose 7, counting
each timer interval apart mends as many as it breaks (1), and a band from the rate of reversals per minute loses 12.
Devices filter their altitude each their own unpublished way: the pairs no rule meets are listed with the
others in libs/analysis/tests/metric_truth_misses.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .series import Array, fill_gaps, has_values

SMOOTHING_WINDOW_S = 10.0
# The band of ascent_m/descent_m: BAND_BASE_M plus BAND_PER_REVERSAL_M times the share of the recorded
# altitude's steps that reverse the step before them (band_for): 0.6 m for an altitude that never turns back
# between records, up to about 1.6 m for pure jitter (which reverses two steps in three).
BAND_BASE_M = 0.6
BAND_PER_REVERSAL_M = 1.5
FILTERED_HYSTERESIS_M = 3.0
# Faster than anyone climbs or descends on foot, bike, skis or in a boat (a fast climber gains about
# 0.5 m/s, a skier on a steep slope drops a few m/s): an altitude reading that departs faster than this
# from the last one believed is a glitch (a barometer settling after the start, a one-record spike).
# 5, 10 and 20 m/s leave out the same readings of the fixtures and the corpus.
MAX_VERTICAL_SPEED_MPS = 10.0


def without_glitches(time_s: Array, altitude_m: Array) -> Array:
    """The altitude with glitches set to NaN: readings that depart from the last reading kept faster than
    MAX_VERTICAL_SPEED_MPS (over at least one second). A real change of level, however sudden, is kept
    again once the time since the last kept reading makes it plausible, so only short excursions go.

    Whether a reading is kept depends on the one kept before it, so the check runs sequentially, but only
    from the first step that is too fast (most recordings have none, and cost one vectorised test).
    """
    ok = np.flatnonzero(np.isfinite(altitude_m))
    if ok.size < 2:
        return altitude_m
    t, a = time_s[ok], altitude_m[ok]
    too_fast = np.abs(np.diff(a)) > MAX_VERTICAL_SPEED_MPS * np.maximum(np.diff(t), 1.0)
    if not too_fast.any():
        return altitude_m
    first = int(np.flatnonzero(too_fast)[0]) + 1
    keep = np.ones(ok.size, dtype=bool)
    last_t, last_a = float(t[first - 1]), float(a[first - 1])
    for k, (tk, ak) in enumerate(zip(t[first:].tolist(), a[first:].tolist(), strict=True), start=first):
        if abs(ak - last_a) > MAX_VERTICAL_SPEED_MPS * max(tk - last_t, 1.0):
            keep[k] = False
        else:
            last_t, last_a = tk, ak
    cleaned = altitude_m.copy()
    cleaned[ok[~keep]] = np.nan
    return cleaned


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


def reversal_share(altitude_m: Array) -> float:
    """The share of the altitude's steps (between consecutive readings that differ) going the other way
    from the step before: near 0 for an altitude that follows the terrain, 2/3 for pure jitter."""
    values = altitude_m[np.isfinite(altitude_m)]
    steps = np.sign(np.diff(values))
    steps = steps[steps != 0]
    if steps.size < 2:
        return 0.0
    return float(np.mean(steps[1:] != steps[:-1]))


def band_for(altitude_m: Array) -> float:
    """The hysteresis band (m) of ascent_m/descent_m for this recorded altitude (see the module text)."""
    return BAND_BASE_M + BAND_PER_REVERSAL_M * reversal_share(altitude_m)


def cumulative_gain_loss(altitude_m: Array, threshold_m: float) -> tuple[Array, Array]:
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


def gain_loss(altitude_m: Array, threshold_m: float) -> tuple[float, float]:
    """Total (ascent, descent) in metres."""
    gain, loss = cumulative_gain_loss(altitude_m, threshold_m)
    if gain.size == 0:
        return 0.0, 0.0
    return float(gain[-1]), float(loss[-1])


@dataclass
class Elevation:
    metrics: dict[str, Any]  # ascent/descent both ways, min/max altitude (MetricSet names)
    smoothed_m: Array | None  # the smoothed altitude per sample (grade-adjusted pace uses it)
    gain_m: Array | None  # cumulative ascent per sample, as ascent_m counts it (the splits use it)
    loss_m: Array | None  # cumulative descent per sample


def elevation_metrics(time_s: Array, altitude_m: Array) -> Elevation:
    """The session's elevation numbers; all None (and no arrays) without altitude. Glitches (see
    without_glitches) are left out of every number."""
    altitude_m = without_glitches(time_s, altitude_m)
    if not has_values(altitude_m):
        keys = ("ascent_m", "descent_m", "ascent_filtered_m", "descent_filtered_m", "min_altitude_m")
        return Elevation(dict.fromkeys((*keys, "max_altitude_m")), None, None, None)
    smooth = smooth_altitude(time_s, altitude_m)
    gain, loss = cumulative_gain_loss(smooth, band_for(altitude_m))
    filtered_gain, filtered_loss = gain_loss(smooth, FILTERED_HYSTERESIS_M)
    ok = altitude_m[np.isfinite(altitude_m)]
    metrics = {
        "ascent_m": float(gain[-1]),
        "descent_m": float(loss[-1]),
        "ascent_filtered_m": filtered_gain,
        "descent_filtered_m": filtered_loss,
        "min_altitude_m": float(ok.min()),
        "max_altitude_m": float(ok.max()),
    }
    return Elevation(metrics, smooth, gain, loss)
