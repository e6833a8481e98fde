"""Elapsed, timer and moving time.

Timer time comes from the device's timer start/stop events (what the watch counted); without events the
samples' own timeline is used, with gaps longer than a pause threshold treated as pauses. Moving time uses
speed with hysteresis so that a slow crawl through a stop does not flicker in and out of "moving".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .series import Array, Intervals, active_time_at, sample_durations

# Event types that stop the timer (FIT `event_type`); everything else named "start" starts it.
_STOP_TYPES = {"stop", "stop_all", "stop_disable", "stop_disable_all"}
# Moving-time hysteresis: stopped below 0.5 m/s, moving again above 0.9 m/s (METRICS.md).
STOP_SPEED_MPS = 0.5
GO_SPEED_MPS = 0.9
# Swimmers move at 0.5–1.5 m/s, so the running thresholds would call an easy open-water swim "stopped".
SWIM_STOP_GO_MPS = (0.15, 0.3)
# A silence between records shorter than this is recording, not a pause (see pause_gap_s).
MIN_PAUSE_S = 10.0


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and value > 0x10000000:
        return float(value)
    return None


def last_event_s(
    events: Iterable[Mapping[str, Any]], start_s: float, window_end_s: float | None = None
) -> float | None:
    """The instant of the last event of any kind stamped in [start_s, window_end_s), None without one."""
    end = np.inf if window_end_s is None else window_end_s
    stamps = [t for ev in events if (t := _epoch(ev.get("timestamp"))) is not None and start_s <= t < end]
    return max(stamps) if stamps else None


def timer_marks(events: Iterable[Mapping[str, Any]]) -> list[tuple[float, bool]]:
    """(instant, True for a start / False for a stop) of every `timer` event, in time order."""
    marks: list[tuple[float, bool]] = []
    for ev in events:
        if ev.get("event") != "timer":
            continue
        t = _epoch(ev.get("timestamp"))
        kind = ev.get("event_type")
        if t is None or not isinstance(kind, str):
            continue
        if kind == "start":
            marks.append((t, True))
        elif kind in _STOP_TYPES:
            marks.append((t, False))
    marks.sort(key=lambda m: m[0])
    return marks


def timer_intervals_from_events(
    events: Iterable[Mapping[str, Any]], start_s: float, window_end_s: float, run_to_s: float | None = None
) -> Intervals | None:
    """Intervals during which the timer ran, from the `timer` events stamped in [start_s, window_end_s).

    The window is half-open: a start stamped at its end opens the next session, not this one. A timer still
    running after the last event runs on to run_to_s (default: window_end_s).
    Returns None when there is no usable timer event, so the caller can fall back. The timer is taken as
    running at the session start unless the first event in the window is a start (a multisport leg begins
    with the timer already running and often has no event of its own).
    """
    marks = timer_marks(events)
    if not marks:
        return None
    inside = [m for m in marks if start_s <= m[0] < window_end_s]
    running = not inside or not inside[0][1]
    # A start before the window (e.g. chained files) also counts when no event lies inside it.
    before = [m for m in marks if m[0] < start_s]
    if not inside and before:
        running = before[-1][1]
    spans: list[tuple[float, float]] = []
    since = start_s if running else None
    for t, starts in inside:
        if starts and since is None:
            since = t
        elif not starts and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, window_end_s if run_to_s is None else run_to_s))
    spans = [(a, b) for a, b in spans if b > a]
    return np.array(spans, dtype=np.float64).reshape(-1, 2)


def pause_gap_s(time_s: Array) -> float:
    """The longest silence between samples that is still recording, not a pause: max(10 s, 5 × the
    median interval), which tolerates smart recording (a sample every few seconds at steady effort)."""
    if time_s.size < 2:
        return MIN_PAUSE_S
    return max(MIN_PAUSE_S, 5.0 * float(np.median(np.diff(time_s))))


def timer_intervals_from_samples(time_s: Array, gap_s: float | None = None) -> Intervals:
    """Fallback timeline: consecutive samples closer than `gap_s` belong to one running interval.

    The default gap is `pause_gap_s`, which tolerates smart recording while still treating a long silence
    (an auto-pause without events) as a pause.
    """
    if time_s.size == 0:
        return np.zeros((0, 2))
    if time_s.size == 1:
        return np.array([[time_s[0], time_s[0] + 1.0]])
    dt = np.diff(time_s)
    if gap_s is None:
        gap_s = pause_gap_s(time_s)
    breaks = np.flatnonzero(dt > gap_s)
    starts = np.concatenate(([time_s[0]], time_s[breaks + 1]))
    ends = np.concatenate((time_s[breaks], [time_s[-1]]))
    # Each interval owns its last sample's second too.
    ends = ends + min(1.0, float(np.median(dt)))
    return np.column_stack((starts, ends))


def total_time(intervals: Intervals) -> float:
    return float((intervals[:, 1] - intervals[:, 0]).sum()) if intervals.size else 0.0


def moving_mask(
    n: int,
    speed_mps: Array | None,
    activity: Array | None = None,
    stop_mps: float = STOP_SPEED_MPS,
    go_mps: float = GO_SPEED_MPS,
) -> NDArray[np.bool_]:
    """Per-sample moving state.

    With speed: hysteresis — a sample switches to moving above `go_mps`, to stopped below `stop_mps`, and
    otherwise keeps the previous state (vectorised by forward-filling the last switch). Without speed
    (indoor trainer, rowing machine) a sample is moving when `activity` (cadence or power) is > 0, as
    GoldenCheetah does; with neither everything counts as moving.
    """
    if speed_mps is not None and np.isfinite(speed_mps).any():
        v = speed_mps
        switch = np.zeros(v.size, dtype=np.int8)
        switch[v > go_mps] = 1
        switch[v < stop_mps] = -1
        # Index of the last switch at or before each sample; samples before the first switch are stopped.
        last = np.where(switch != 0, np.arange(v.size), -1)
        np.maximum.accumulate(last, out=last)
        state = np.where(last >= 0, switch[np.clip(last, 0, None)], -1)
        return state > 0
    if activity is not None and np.isfinite(activity).any():
        return np.nan_to_num(activity, nan=0.0) > 0
    return np.ones(n, dtype=bool)


@dataclass(frozen=True)
class Clock:
    """A session's time axis: its bounds, when its timer ran, and how long each sample's value held."""

    time_s: Array  # the samples' instants (unix seconds)
    start_s: float  # the session's start
    end_s: float  # the session's end (see session_clock)
    intervals: Intervals  # when the timer ran
    weights: Array  # seconds of timer time each sample's value held (series.sample_durations)
    active_s: Array  # timer seconds before each sample

    @property
    def timer_s(self) -> float:
        return total_time(self.intervals)

    @property
    def elapsed_s(self) -> float:
        return self.end_s - self.start_s


def session_clock(
    time_s: Array, start_s: float, events: Iterable[Mapping[str, Any]], next_start_s: float | None = None
) -> Clock:
    """The clock of a session with samples at `time_s` (sorted, at least one).

    Timer time comes from the timer events, else from the samples. The session ends with its last
    sample's second, as the devices' elapsed time does (Zwift and the Edge 200 stamp their final stop well
    after it), except that a multisport leg whose timer still runs lasts until the next leg begins
    (`next_start_s`): its records may stop a while before (a swim leg whose GPS lost the swimmer).
    """
    last = float(time_s[-1])
    step = float(np.median(np.diff(time_s))) if time_s.size > 1 else 1.0
    end = last + min(max(step, 0.0), 1.0)
    intervals = timer_intervals_from_events(events, start_s, end if next_start_s is None else next_start_s)
    if intervals is None:
        intervals = timer_intervals_from_samples(time_s)
    elif intervals.size:
        end = max(end, float(intervals[-1, 1]))
    return Clock(
        time_s=time_s,
        start_s=start_s,
        end_s=end,
        intervals=intervals,
        weights=sample_durations(time_s, intervals),
        active_s=active_time_at(time_s, intervals),
    )
