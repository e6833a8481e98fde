"""Distance along the track: the device's record distance, GPS (haversine) only as a fallback."""

from __future__ import annotations

import numpy as np

from .series import Array, has_values
from .times import MIN_PAUSE_S

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
# A first record further than this from the session start (plus 15 m/s of travel) is a carried-over
# total (files whose record distance accumulates across multisport legs), not distance of this leg.
_FIRST_SAMPLE_SLACK_M = 20.0


def haversine_m(lat1: Array, lon1: Array, lat2: Array, lon2: Array) -> Array:
    """Great-circle distance in metres between two arrays of points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    metres: Array = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return metres


def gps_cumulative_m(lat_deg: Array, lon_deg: Array) -> Array:
    """Cumulative haversine distance over the valid fixes (NaN fixes add nothing)."""
    ok = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    out = np.zeros(lat_deg.size)
    idx = np.flatnonzero(ok)
    if idx.size >= 2:
        steps = haversine_m(lat_deg[idx[:-1]], lon_deg[idx[:-1]], lat_deg[idx[1:]], lon_deg[idx[1:]])
        out[idx[1:]] = np.cumsum(steps)
        # Carry the distance forward across samples without a fix.
        filled = np.where(ok, out, np.nan)
        filled[0] = 0.0
        out = _forward_fill(filled)
    return out


def _forward_fill(values: Array) -> Array:
    ok = np.isfinite(values)
    idx = np.where(ok, np.arange(values.size), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def record_cumulative_m(
    distance_m: Array,
    time_s: Array,
    session_start_s: float | None = None,
    start_odometer_m: float | None = None,
) -> Array:
    """Cumulative distance of this session from the record `distance` field.

    Negative steps (a counter reset between multisport legs, or a glitch) add nothing. The first record's
    own value is distance covered since the session started, unless the recorder accumulates across legs:
    with `start_odometer_m` (the record distance when the leg began, see leg_odometers) known and not above
    the first value, only the difference counts; otherwise a first value too large to have been covered
    since the session start is taken as a carried total and ignored.
    """
    d = distance_m.copy()
    first = int(np.flatnonzero(np.isfinite(d))[0])
    d[:first] = d[first]
    d = _forward_fill(d)
    steps = np.diff(d, prepend=d[0])
    steps[steps < 0] = 0.0
    out: Array = np.cumsum(steps)
    if start_odometer_m is not None and d[first] >= start_odometer_m:
        out += d[first] - start_odometer_m
        return out
    lead = 0.0 if session_start_s is None else max(0.0, float(time_s[first]) - session_start_s)
    if d[first] <= _FIRST_SAMPLE_SLACK_M + 15.0 * lead:
        out += d[first]
    return out


def cumulative_distance_m(
    distance_m: Array,
    lat_deg: Array,
    lon_deg: Array,
    time_s: Array,
    session_start_s: float | None = None,
    start_odometer_m: float | None = None,
) -> tuple[Array | None, str | None]:
    """(cumulative metres per sample, source) with source "record" or "gps"; (None, None) without either."""
    if has_values(distance_m):
        return record_cumulative_m(distance_m, time_s, session_start_s, start_odometer_m), "record"
    if has_values(lat_deg) and has_values(lon_deg):
        return gps_cumulative_m(lat_deg, lon_deg), "gps"
    return None, None


def leg_odometers(legs: list[tuple[float | None, Array, Array]]) -> list[tuple[float | None, float | None]]:
    """(record distance when the leg began, when it ended) for each leg of a multisport activity, from
    (start instant, record times, record distances) per leg; None where the recorder's distance does not
    run on across that boundary (it resets, or a leg has no distance).

    Some recorders (fenix 3, FR920XT, FR935, FR255) keep one distance counter across all legs. A leg ends
    at its last record's distance, and the metres between that record and the next leg's first go to the
    next leg (the watch writes a leg's last record as it closes the leg). But when a leg's records stopped
    well before it ended (longer than a 1 Hz recording pauses, times.MIN_PAUSE_S: a swim leg whose GPS
    recorded every minute), the metres are split at the boundary instant, interpolating between the two
    records around it.
    """
    out: list[tuple[float | None, float | None]] = [(None, None) for _ in legs]
    for k in range(1, len(legs)):
        boundary = legs[k][0]
        before, after = _finite_record(legs[k - 1], -1), _finite_record(legs[k], 0)
        if boundary is None or before is None or after is None or after[1] < before[1]:
            continue
        (t0, d0), (t1, d1) = before, after
        at = d0
        if boundary - t0 > MIN_PAUSE_S and t1 > t0:
            at = float(np.interp(boundary, [t0, t1], [d0, d1]))
        out[k - 1] = (out[k - 1][0], at)
        out[k] = (at, out[k][1])
    return out


def _finite_record(leg: tuple[float | None, Array, Array], position: int) -> tuple[float, float] | None:
    """(time, distance) of the leg's record at `position` (0: first, -1: last) among those with both."""
    _, t, d = leg
    ok = np.flatnonzero(np.isfinite(d) & np.isfinite(t))
    return (float(t[ok[position]]), float(d[ok[position]])) if ok.size else None
