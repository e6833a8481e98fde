"""Chart streams: aligned time series downsampled with Largest-Triangle-Three-Buckets (Steinarsson 2013)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from .series import Array, fill_gaps


def lttb_indices(x: Array, y: Array, threshold: int) -> NDArray[np.int64]:
    """Indices of the points LTTB keeps: the first, the last, and one per bucket in between.

    Each bucket keeps the point forming the largest triangle with the point kept in the previous bucket
    and the average of the next bucket, which preserves peaks and troughs that plain decimation drops.
    NaNs in y are interpolated for the selection only.
    """
    n = x.size
    if threshold >= n or n <= 2:
        return np.arange(n)
    if threshold < 3:
        return np.array([0, n - 1])[:threshold] if threshold > 0 else np.zeros(0, dtype=np.int64)
    yv = fill_gaps(y)
    if not np.isfinite(yv).all():
        yv = np.zeros(n)
    edges = np.floor(np.linspace(1, n - 1, threshold - 1)).astype(np.int64)
    # Average point of each bucket (used as the third vertex for the bucket before it).
    counts = np.diff(edges)
    cx = np.add.reduceat(x[1 : n - 1], edges[:-1] - 1) / counts
    cy = np.add.reduceat(yv[1 : n - 1], edges[:-1] - 1) / counts
    out = np.empty(threshold, dtype=np.int64)
    out[0], out[-1] = 0, n - 1
    a = 0
    for b in range(threshold - 2):
        lo, hi = edges[b], edges[b + 1]
        if b + 1 < threshold - 2:
            nx, ny = cx[b + 1], cy[b + 1]
        else:
            nx, ny = x[n - 1], yv[n - 1]
        px, py = x[lo:hi], yv[lo:hi]
        area = np.abs((x[a] - nx) * (py - yv[a]) - (x[a] - px) * (ny - yv[a]))
        a = lo + int(np.argmax(area))
        out[b + 1] = a
    return out


def downsample_streams(
    elapsed_s: Array, channels: Mapping[str, Array | None], primary: str | None, points: int
) -> dict[str, list[float | str]]:
    """`ChartStreams` dict: every channel sampled at the same indices, chosen by LTTB on `primary`.

    One index set keeps the channels aligned on `elapsed_s`. Channels without any finite value are left
    out. NaN becomes "NaN" (the proto3 JSON spelling), so the result is valid JSON and parses into
    `ChartStreams`.
    """
    y = channels.get(primary) if primary else None
    idx = lttb_indices(elapsed_s, y if y is not None else np.zeros(elapsed_s.size), points)
    out: dict[str, list[float | str]] = {"elapsed_s": elapsed_s[idx].tolist()}
    for name, values in channels.items():
        if values is None or not np.isfinite(values).any():
            continue
        picked = values[idx]
        column: list[float | str] = picked.tolist()
        for i in np.flatnonzero(~np.isfinite(picked)).tolist():
            column[i] = "NaN"
        out[name] = column
    return out
