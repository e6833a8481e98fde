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

    The choice in one bucket depends on the choice in the one before, so instead of a Python loop over the
    buckets all of them are chosen at once from a guess of the previous bucket's point, then only the
    buckets whose previous point changed are chosen again, until nothing changes (a handful of rounds on
    real activities; never more than one per bucket). The result is the sequential algorithm's, bit for
    bit: every area is computed with the same operations on the same numbers.
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
    # Third vertex per bucket: the next bucket's average, the last point for the last bucket.
    nx = np.append(cx[1:], x[n - 1])[:, None]
    ny = np.append(cy[1:], yv[n - 1])[:, None]
    # One row per bucket, padded to the longest bucket (sizes differ by at most one); padding never wins.
    lo = edges[:-1]
    cols = lo[:, None] + np.arange(counts.max())
    padding = cols >= edges[1:, None]
    cols = np.minimum(cols, edges[1:, None] - 1)
    px, py = x[cols], yv[cols]

    def choose(rows: NDArray[np.int64], a: NDArray[np.int64]) -> NDArray[np.int64]:
        """The point kept in each of `rows`, given the point `a` kept in the bucket before each."""
        xa, ya = x[a][:, None], yv[a][:, None]
        area = np.abs((xa - nx[rows]) * (py[rows] - ya) - (xa - px[rows]) * (ny[rows] - ya))
        area[padding[rows]] = -1.0
        kept: NDArray[np.int64] = lo[rows] + np.argmax(area, axis=1)
        return kept

    previous = np.concatenate(([0], lo[:-1]))  # the guess: the first point of the bucket before
    chosen = choose(np.arange(lo.size), previous)
    while True:
        actual = np.concatenate(([0], chosen[:-1]))
        changed = np.flatnonzero(actual != previous)
        if changed.size == 0:
            break
        previous = actual
        chosen[changed] = choose(changed, actual[changed])
    return np.concatenate(([0], chosen, [n - 1]))


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
