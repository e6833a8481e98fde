"""Power: normalized power, IF, TSS, variability index, mean-max curve and power zones.

Rolling-window metrics run on a 1 Hz series of timer time (pauses cut out), see series.to_active_seconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .series import Array, rolling_mean

NP_WINDOW_S = 30
# Durations of the mean-max curve, 1 s … 60 min (then longer when the ride is longer).
CURVE_DURATIONS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 480, 600, 900, 1200, 1800, 2400, 3600)
CURVE_LONG_DURATIONS_S = (5400, 7200, 10800, 14400, 18000)
BEST_POWER_EFFORTS = (("5 s", 5), ("1 min", 60), ("5 min", 300), ("20 min", 1200), ("60 min", 3600))
# Coggan's 7 power zones, lower bounds as fractions of FTP.
COGGAN_ZONES = (0.0, 0.56, 0.76, 0.91, 1.06, 1.21, 1.51)


def normalized_power(power_1hz: Array) -> float | None:
    """NP: 30 s rolling mean, raised to the 4th power, averaged, 4th root. None for rides under 30 s."""
    rolled = rolling_mean(power_1hz, NP_WINDOW_S)
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


def best_mean(power_1hz: Array, duration_s: int) -> tuple[float, int] | None:
    """(best average over any `duration_s` window, start offset in seconds), or None if too short."""
    rolled = rolling_mean(power_1hz, duration_s)
    if rolled.size == 0:
        return None
    start = int(np.argmax(rolled))
    return float(rolled[start]), start


def mean_max_curve(power_1hz: Array) -> list[dict[str, float]]:
    """Mean-max power: for each standard duration up to the ride's length, the best average."""
    out = []
    for d in CURVE_DURATIONS_S + CURVE_LONG_DURATIONS_S:
        best = best_mean(power_1hz, d)
        if best is None:
            break
        out.append({"duration_s": float(d), "value": best[0]})
    return out


def best_power_efforts(power_1hz: Array) -> list[dict[str, Any]]:
    """Best 5 s / 1 min / 5 min / 20 min / 60 min power, with where they started (timer seconds)."""
    out: list[dict[str, Any]] = []
    for name, d in BEST_POWER_EFFORTS:
        best = best_mean(power_1hz, d)
        if best is None:
            break
        out.append({"name": name, "time_s": float(d), "power_w": best[0], "start_offset_s": float(best[1])})
    return out


def power_zone_bounds(ftp_w: float) -> list[float]:
    return [round(f * ftp_w, 1) for f in COGGAN_ZONES]
