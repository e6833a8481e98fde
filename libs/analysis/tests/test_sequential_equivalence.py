"""The vectorised LTTB and elevation hysteresis give exactly what the plain sequential algorithms give."""

from __future__ import annotations

import numpy as np
import pytest
from fitcoach_analysis.elevation import cumulative_gain_loss
from fitcoach_analysis.series import fill_gaps
from fitcoach_analysis.streams import lttb_indices


def sequential_lttb(x: np.ndarray, y: np.ndarray, threshold: int) -> np.ndarray:
    """LTTB bucket by bucket (Steinarsson 2013), for n > threshold >= 3."""
    n = x.size
    yv = fill_gaps(y)
    if not np.isfinite(yv).all():
        yv = np.zeros(n)
    edges = np.floor(np.linspace(1, n - 1, threshold - 1)).astype(np.int64)
    counts = np.diff(edges)
    cx = np.add.reduceat(x[1 : n - 1], edges[:-1] - 1) / counts
    cy = np.add.reduceat(yv[1 : n - 1], edges[:-1] - 1) / counts
    out, a = [0], 0
    for b in range(threshold - 2):
        lo, hi = edges[b], edges[b + 1]
        if b + 1 < threshold - 2:
            nx, ny = cx[b + 1], cy[b + 1]
        else:
            nx, ny = x[n - 1], yv[n - 1]
        px, py = x[lo:hi], yv[lo:hi]
        area = np.abs((x[a] - nx) * (py - yv[a]) - (x[a] - px) * (ny - yv[a]))
        a = lo + int(np.argmax(area))
        out.append(a)
    return np.array([*out, n - 1])


def sequential_gain_loss(altitude: np.ndarray, threshold: float) -> tuple[list[float], list[float]]:
    gains, losses = [], []
    ref = up = down = None
    for a in altitude.tolist():
        if a == a:  # not NaN
            if ref is None:
                ref, up, down = a, 0.0, 0.0
            elif a > ref + threshold:
                up, ref = up + (a - ref), a
            elif a < ref - threshold:
                down, ref = down + (ref - a), a
        gains.append(up or 0.0)
        losses.append(down or 0.0)
    return gains, losses


@pytest.mark.parametrize("seed", range(40))
def test_lttb_matches_the_sequential_algorithm(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 4000))
    x = np.sort(rng.random(n) * n)
    if seed % 3 == 0:
        x = np.round(x)  # repeated times
    y = rng.standard_normal(n).cumsum()
    if seed % 4 == 0:
        y[rng.random(n) < 0.3] = np.nan
    if seed % 5 == 0:
        y = np.round(y)  # ties between triangle areas
    threshold = int(rng.integers(3, n))
    assert lttb_indices(x, y, threshold).tolist() == sequential_lttb(x, y, threshold).tolist()


@pytest.mark.parametrize("seed", range(40))
def test_gain_loss_matches_the_sequential_algorithm(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    altitude = rng.standard_normal(n).cumsum() * (0.2, 1.0, 4.0)[seed % 3]
    if seed % 4 == 0:
        altitude[rng.random(n) < 0.3] = np.nan
    threshold = (0.0, 0.75, 3.0)[seed % 3]
    gain, loss = cumulative_gain_loss(altitude, threshold)
    expected_gain, expected_loss = sequential_gain_loss(altitude, threshold)
    assert gain.tolist() == expected_gain
    assert loss.tolist() == expected_loss
