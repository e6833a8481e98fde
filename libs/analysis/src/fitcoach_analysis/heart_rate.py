"""Heart rate: zones, Banister TRIMP and hrTSS."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .profile import ResolvedProfile
from .series import Array, finite_max, weighted_mean

# Zone lower bounds as fractions of max HR (no threshold set) or of threshold HR (set by the athlete).
MAX_HR_ZONES = (0.0, 0.6, 0.7, 0.8, 0.9)
THRESHOLD_HR_ZONES = (0.0, 0.85, 0.9, 0.95, 1.0)


def clean_hr(heart_rate_bpm: Array) -> Array:
    """Zero (the value strapless recorders write when no sensor is paired) means no reading."""
    return np.where(heart_rate_bpm > 0, heart_rate_bpm, np.nan)


def hr_zone_bounds(profile: ResolvedProfile) -> list[float]:
    """Lower bounds (bpm) of the 5 zones: % of threshold HR when the athlete set it, else % of max HR."""
    if not profile.threshold_hr_is_default:
        return [round(f * profile.threshold_hr_bpm, 1) for f in THRESHOLD_HR_ZONES]
    return [round(f * profile.max_hr_bpm, 1) for f in MAX_HR_ZONES]


def time_in_zones(values: Array, weights: Array, lows: list[float]) -> list[dict[str, Any]]:
    """Seconds spent in each zone [low, next low); the top zone has no upper bound. NaN counts nowhere."""
    ok = np.isfinite(values)
    edges = np.asarray(lows[1:], dtype=np.float64)
    zone = np.searchsorted(edges, values[ok], side="right")
    seconds = np.bincount(zone, weights=weights[ok], minlength=len(lows))
    return [
        {
            "zone": k + 1,
            "low": float(lows[k]),
            "high": float(lows[k + 1]) if k + 1 < len(lows) else None,
            "seconds": float(seconds[k]),
        }
        for k in range(len(lows))
    ]


def hr_reserve_fraction(hr: Array | float, profile: ResolvedProfile) -> Array:
    """HRr = (HR − rest) / (max − rest), clipped to [0, 1]."""
    span = max(profile.max_hr_bpm - profile.rest_hr_bpm, 1.0)
    return np.clip((np.asarray(hr, dtype=np.float64) - profile.rest_hr_bpm) / span, 0.0, 1.0)


def trimp(heart_rate_bpm: Array, weights: Array, profile: ResolvedProfile) -> float | None:
    """Banister TRIMP: Σ Δt[min] · HRr · a · e^(b·HRr), with (a, b) = (0.64, 1.92) men, (0.86, 1.67) women."""
    ok = np.isfinite(heart_rate_bpm) & (weights > 0)
    if not ok.any():
        return None
    a, b = profile.trimp_constants
    hrr = hr_reserve_fraction(heart_rate_bpm[ok], profile)
    return float((weights[ok] / 60.0 * hrr * a * np.exp(b * hrr)).sum())


def hr_tss(trimp_value: float | None, profile: ResolvedProfile) -> float | None:
    """hrTSS: TRIMP relative to one hour at lactate threshold, × 100."""
    if trimp_value is None:
        return None
    a, b = profile.trimp_constants
    hrr_lt = float(hr_reserve_fraction(profile.threshold_hr_bpm, profile))
    hour_at_threshold = 60.0 * hrr_lt * a * math.exp(b * hrr_lt)
    if hour_at_threshold <= 0:
        return None
    return 100.0 * trimp_value / hour_at_threshold


def heart_rate_metrics(
    heart_rate_bpm: Array, weights: Array, profile: ResolvedProfile
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """(avg/max HR, TRIMP and hrTSS in MetricSet names; time in zones; the profile defaults they used).

    `heart_rate_bpm` is already cleaned (clean_hr); the average is weighted by timer time.
    """
    avg = weighted_mean(heart_rate_bpm, weights)
    metrics: dict[str, Any] = {"avg_hr_bpm": avg, "max_hr_bpm": finite_max(heart_rate_bpm), "trimp": None}
    metrics["hr_tss"] = None
    if avg is None:
        return metrics, [], []
    metrics["trimp"] = trimp(heart_rate_bpm, weights, profile)
    metrics["hr_tss"] = hr_tss(metrics["trimp"], profile)
    zones = time_in_zones(heart_rate_bpm, weights, hr_zone_bounds(profile))
    defaults = [
        profile.notes[k]
        for k in ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "sex")
        if k in profile.notes
    ]
    return metrics, zones, defaults
