"""Power: averages, normalized power, IF, TSS, variability index, mean-max curve, zones and W' balance.

Rolling-window metrics run on a 1 Hz series of timer time (pauses cut out), see series.to_active_seconds;
W' balance runs on a 1 Hz series of wall-clock time (pauses are recovery), see series.to_elapsed_seconds.

The average power under the device's name (`avg_power_w`) counts zeros (coasting): devices' default, and
25 of the 36 sessions with power in the fixtures and the corpus agree with it; 4 more agree without zeros
(the Edge's "Data Averaging" setting and the Wahoo app can leave them out, and the file does not say so),
which is `avg_power_nonzero_w`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .heart_rate import time_in_zones
from .profile import ResolvedProfile
from .series import Array, finite_max, rolling_mean, to_active_seconds, to_elapsed_seconds, weighted_mean
from .times import Clock, pause_gap_s

NP_WINDOW_S = 30
# Durations of the mean-max curve, 1 s … 60 min (then longer when the ride is longer).
CURVE_DURATIONS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 480, 600, 900, 1200, 1800, 2400, 3600)
CURVE_LONG_DURATIONS_S = (5400, 7200, 10800, 14400, 18000)
BEST_POWER_EFFORTS = (("5 s", 5), ("1 min", 60), ("5 min", 300), ("20 min", 1200), ("60 min", 3600))
# Coggan's 7 power zones, lower bounds as fractions of FTP.
COGGAN_ZONES = (0.0, 0.56, 0.76, 0.91, 1.06, 1.21, 1.51)
# W' balance is integrated in chunks over which the recovery factors multiply down by at most e^-500, so
# the scaled partial sums stay far inside float64 (e^550 ≈ 1e239).
_WBAL_CHUNK_LOG = 500.0
# One second recovers at most this much in log terms: e^-50 of the deficit left is full recovery.
_WBAL_MAX_STEP_LOG = 50.0


def normalized_power(power_1hz: Array) -> float | None:
    """NP: 30 s rolling mean, raised to the 4th power, averaged, 4th root. None for rides under 30 s.

    A second without a power reading (NaN: the power meter sent nothing, e.g. a pedal while coasting) is
    left out like a paused second, as the average power leaves it out; counting it as 0 W made the NP of
    a session with dropouts fall below its own average (measured: 2 device NPs mended, 1 missed, the
    Wahoo BOLT that counts missing power as 0 W in its average too).
    """
    rolled = rolling_mean(power_1hz[np.isfinite(power_1hz)], NP_WINDOW_S)
    if rolled.size == 0:
        return None
    return float(np.mean(rolled**4) ** 0.25)


def intensity_factor(np_w: float | None, ftp_w: float | None) -> float | None:
    if np_w is None or not ftp_w:
        return None
    return np_w / ftp_w


def training_stress_score(seconds: float, if_value: float | None) -> float | None:
    """TSS = 100 · hours · IF² (equivalently sec · NP · IF / (FTP · 3600) · 100)."""
    if if_value is None:
        return None
    return 100.0 * seconds / 3600.0 * if_value**2


def _zero_filled(power_1hz: Array) -> Array:
    """The 1 Hz series for best averages: a second without a reading counts as 0 W (an effort claims no
    power that was not recorded), so the offsets stay on the timer's seconds. Filled once per series, not
    once per duration."""
    filled: Array = np.nan_to_num(power_1hz, nan=0.0)
    return filled


def _best_mean(filled_1hz: Array, duration_s: int) -> tuple[float, int] | None:
    """(best average over any `duration_s` window, start offset in seconds) of a `_zero_filled` series, or
    None if too short."""
    rolled = rolling_mean(filled_1hz, duration_s)
    if rolled.size == 0:
        return None
    start = int(np.argmax(rolled))
    return float(rolled[start]), start


def mean_max_curve(power_1hz: Array) -> list[dict[str, float]]:
    """Mean-max power: for each standard duration up to the ride's length, the best average."""
    out = []
    filled = _zero_filled(power_1hz)
    for d in CURVE_DURATIONS_S + CURVE_LONG_DURATIONS_S:
        best = _best_mean(filled, d)
        if best is None:
            break
        out.append({"duration_s": float(d), "value": best[0]})
    return out


def best_power_efforts(power_1hz: Array) -> list[dict[str, Any]]:
    """Best 5 s / 1 min / 5 min / 20 min / 60 min power, with where they started (timer seconds)."""
    out: list[dict[str, Any]] = []
    filled = _zero_filled(power_1hz)
    for name, d in BEST_POWER_EFFORTS:
        best = _best_mean(filled, d)
        if best is None:
            break
        out.append({"name": name, "time_s": float(d), "power_w": best[0], "start_offset_s": float(best[1])})
    return out


def power_zone_bounds(ftp_w: float) -> list[float]:
    return [round(f * ftp_w, 1) for f in COGGAN_ZONES]


def w_prime_balance(power_1hz: Array, cp_w: float, w_prime_j: float) -> Array:
    """W' balance (J) at the end of each second: Skiba's differential model (Froncioni, Skiba & Clarke).

    Above CP the balance drops by (P − CP) · 1 s. Below CP it recovers at (W' − W'bal) · (CP − P) / W' per
    second, i.e. the deficit D = W' − W'bal decays exponentially; each 1 s step of constant power is
    integrated exactly (D · e^(−(CP − P)/W'); the Euler step D · (1 − (CP − P)/W') that some tools use
    differs by under 0.01 % of D per second at usual CP/W'). The balance starts full and may go negative
    when the athlete outperforms the profile (CP or W' set too low).

    Vectorised: D_{k+1} = a_k · D_k + b_k is a linear recurrence with a_k = e^(min(P−CP, 0)/W') and
    b_k = max(P − CP, 0), so with the running log-product Λ_k = Σ_{j≤k} ln a_j,
    D_{k+1} = e^{Λ_k} · (D_start + Σ_{i≤k} b_i · e^{−Λ_i}), evaluated chunk by chunk to stay in range.
    """
    if power_1hz.size == 0:
        return np.zeros(0)
    excess = np.asarray(power_1hz, dtype=np.float64) - cp_w
    spend = np.maximum(excess, 0.0)
    log_keep = np.maximum(np.minimum(excess, 0.0) / w_prime_j, -_WBAL_MAX_STEP_LOG)
    log_prod = np.cumsum(log_keep)
    chunk = np.floor(-log_prod / _WBAL_CHUNK_LOG)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(chunk)) + 1))
    ends = np.append(starts[1:], power_1hz.size)
    deficit = np.empty_like(excess)
    carried = 0.0
    for s, e in zip(starts, ends, strict=True):
        rel = log_prod[s:e] - (log_prod[s - 1] if s else 0.0)
        deficit[s:e] = np.exp(rel) * (carried + np.cumsum(spend[s:e] * np.exp(-rel)))
        carried = float(deficit[e - 1])
    return w_prime_j - deficit


def w_bal_min(power_1hz: Array, cp_w: float | None, w_prime_j: float | None) -> float | None:
    """Lowest W' balance of the ride (J), starting from a full W'; None without power, CP or W'."""
    if power_1hz.size == 0 or not cp_w or not w_prime_j:
        return None
    return min(float(w_prime_j), float(np.min(w_prime_balance(power_1hz, cp_w, w_prime_j))))


def power_metrics(
    power_w: Array, clock: Clock, profile: ResolvedProfile
) -> tuple[dict[str, Any], Array, list[dict[str, Any]]]:
    """(the power numbers in MetricSet names, the 1 Hz timer-time series, power zones); all None, an empty
    series and no zones when the session has no power above 0."""
    keys = ("avg_power_w", "avg_power_nonzero_w", "max_power_w", "normalized_power_w", "intensity_factor")
    metrics: dict[str, Any] = dict.fromkeys((*keys, "tss", "variability_index", "w_bal_min_j"))
    if not (np.isfinite(power_w).any() and np.nanmax(power_w) > 0):
        return metrics, np.zeros(0), []
    t, w = clock.time_s, clock.weights
    p1 = to_active_seconds(t, power_w, clock.intervals)
    avg = weighted_mean(power_w, w)
    np_w = normalized_power(p1)
    if_value = intensity_factor(np_w, profile.ftp_w)
    metrics |= {
        "avg_power_w": avg,
        "avg_power_nonzero_w": weighted_mean(power_w, w, power_w > 0),
        "max_power_w": finite_max(power_w),
        "normalized_power_w": np_w,
        "intensity_factor": if_value,
        "tss": training_stress_score(float(p1.size), if_value),
        "variability_index": np_w / avg if np_w is not None and avg else None,
    }
    if profile.critical_power_w and profile.w_prime_j:
        wall = to_elapsed_seconds(t, power_w, clock.intervals, pause_gap_s(t))
        metrics["w_bal_min_j"] = w_bal_min(wall, profile.critical_power_w, profile.w_prime_j)
    zones = time_in_zones(power_w, w, power_zone_bounds(profile.ftp_w)) if profile.ftp_w else []
    return metrics, p1, zones
