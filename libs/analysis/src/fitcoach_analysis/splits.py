"""Fixed-distance splits (every km, every mile) computed from the samples."""

from __future__ import annotations

from typing import Any

import numpy as np

from .series import Array, interp_monotone

KM_M = 1000.0
MILE_M = 1609.344
# A trailing partial split shorter than this is noise (the last few metres before stopping the watch).
MIN_LAST_SPLIT_M = 10.0


def splits(
    cumulative_m: Array,
    active_s: Array,
    split_m: float,
    hr_bpm: Array | None = None,
    weights: Array | None = None,
    gain: Array | None = None,
    loss: Array | None = None,
) -> list[dict[str, Any]]:
    """One dict per split: index, distance_m, time_s (timer time), pace_s_per_km, avg_hr_bpm, ascent_m,
    descent_m. The boundary instants are interpolated between samples, so the split times add up to the
    session's timer time regardless of sampling rate.
    """
    if cumulative_m.size < 2:
        return []
    total = float(cumulative_m[-1])
    if total < MIN_LAST_SPLIT_M:
        return []  # a few metres (or a subnormal float: its pace would overflow) make no split
    bounds = np.arange(0.0, total, split_m)
    bounds = np.append(bounds, total)
    if bounds.size >= 3 and bounds[-1] - bounds[-2] < MIN_LAST_SPLIT_M:
        bounds = np.delete(bounds, -2)
    # np.interp needs increasing x; equal distances (standing still) keep the first instant.
    d = np.maximum.accumulate(cumulative_m)
    t_at = interp_monotone(bounds, d, active_s)
    g_at = None if gain is None else interp_monotone(bounds, d, gain)
    l_at = None if loss is None else interp_monotone(bounds, d, loss)
    seg = np.searchsorted(d, bounds[1:-1], side="left")
    hr_parts = np.split(np.arange(d.size), seg)
    out = []
    for k in range(bounds.size - 1):
        dist = float(bounds[k + 1] - bounds[k])
        time = float(t_at[k + 1] - t_at[k])
        item: dict[str, Any] = {
            "index": k + 1,
            "distance_m": dist,
            "time_s": time,
            "pace_s_per_km": time / dist * 1000.0 if dist > 0 else 0.0,
            "avg_hr_bpm": None,
            "ascent_m": None if g_at is None else float(g_at[k + 1] - g_at[k]),
            "descent_m": None if l_at is None else float(l_at[k + 1] - l_at[k]),
        }
        if hr_bpm is not None and weights is not None:
            idx = hr_parts[k]
            hr, w = hr_bpm[idx], weights[idx]
            ok = np.isfinite(hr) & (w > 0)
            if ok.any():
                item["avg_hr_bpm"] = float((hr[ok] * w[ok]).sum() / w[ok].sum())
        out.append(item)
    return out
