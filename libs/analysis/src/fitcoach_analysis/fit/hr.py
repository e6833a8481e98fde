"""Heart rate kept in ``hr`` messages (HRM-Swim/Tri straps, pool swims), as a time series and as samples.

During a swim the strap cannot transmit under water; it stores beats and the watch appends them later,
often as chained HRM FIT files, while the records carry no heart_rate. The rules here are the Garmin FIT
SDK's (``garmin_fit_sdk.hr_mesg_utils``, what Garmin's own tools do), vectorised:

* an ``hr`` message with a ``timestamp`` is an anchor: its time is timestamp + fractional_timestamp, and
  its (single) ``event_timestamp`` is the HRM clock value at that instant (1/1024 s);
* ``event_timestamp_12`` packs eight 12-bit HRM clock values; each accumulates from the last clock value
  (a native ``event_timestamp`` resets the accumulator); beat k's bpm is ``filtered_bpm[k]``;
* beat time = anchor time + (clock - anchor clock) / 1024; a gap carries the previous bpm forward in
  250 ms steps for up to 5 s;
* a record gets the rounded mean of the beats in (previous record, record].

fitdecode's own expansion of event_timestamp_12 (kept as-is in message dicts, where the differential test
compares it) adds a 12-bit sum started at 0 to the last whole ``timestamp``, ignoring the anchor's clock and
fraction: its beats are 0-3 s later than the SDK's on both fixtures with hr messages, so it is not used.
Both decoders hand over the same raw per-beat columns (``HR_COLUMNS``); everything after that is here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .accumulate import accumulate

MESG_NUM_HR = 132
_TIMESTAMP, _FRACTIONAL, _TIME256, _FILTERED_BPM, _EVENT, _EVENT_12 = 253, 0, 1, 6, 9, 10
_CLOCK_HZ = 1024.0
_PACKED_BITS = 12
_PACKED_COUNT = 8  # components of event_timestamp_12 in the FIT profile
_GAP_STEP_S = 0.25
_GAP_MAX_STEPS = 20
#: More beats than any hr message can hold (a message is at most 255 bytes): orders beats of messages.
MAX_BEATS = 256
#: Columns of the beats both decoders hand over, one row per beat in file order.
HR_COLUMNS = ("clock", "packed", "bpm", "anchor_s")


def empty_beats() -> dict[str, np.ndarray]:
    return {name: np.empty(0, dtype=bool if name == "packed" else np.float64) for name in HR_COLUMNS}


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def unpack_12(values: Any) -> tuple[int, ...]:
    """The 12-bit clock values of an event_timestamp_12 field (bytes, little-endian bit order)."""
    parts = _as_tuple(values)
    if not parts or any(not isinstance(b, int) for b in parts):
        return ()  # invalid (all 0xFF) or not a byte array
    whole = int.from_bytes(bytes(b & 0xFF for b in parts), "little")
    count = min(_PACKED_COUNT, len(parts) * 8 // _PACKED_BITS)
    return tuple((whole >> (_PACKED_BITS * k)) & 0xFFF for k in range(count))


class BeatCollector:
    """Beats of hr messages, fed one message at a time as {field number: raw value} (invalid = None)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, bool, float, float]] = []
        self.keys: list[int] = []  # message position * MAX_BEATS + beat index: file order

    def add(self, raw: dict[int, Any], fit_epoch_s: int, position: int | None = None) -> None:
        """One message's beats; ``position`` orders messages (default: after the ones added so far)."""
        if position is None:
            position = self.keys[-1] // MAX_BEATS + 1 if self.keys else 0
        packed = unpack_12(raw.get(_EVENT_12))
        clocks = packed or _as_tuple(raw.get(_EVENT))
        if not clocks:
            return
        bpms = _as_tuple(raw.get(_FILTERED_BPM))
        anchor = np.nan
        ts = raw.get(_TIMESTAMP)
        if isinstance(ts, int) and not isinstance(ts, bool):
            fraction = raw.get(_FRACTIONAL)
            time256 = raw.get(_TIME256)
            if isinstance(fraction, int):
                anchor = fit_epoch_s + ts + fraction / 32768.0
            elif isinstance(time256, int):
                anchor = fit_epoch_s + ts + time256 / 256.0
            else:
                anchor = float(fit_epoch_s + ts)
        for k, clock in enumerate(clocks):
            if not isinstance(clock, int):
                continue  # an invalid native clock value
            bpm = bpms[k] if k < len(bpms) and isinstance(bpms[k], int) else np.nan
            self.rows.append((float(clock), bool(packed), float(bpm), anchor if k == 0 else np.nan))
            self.keys.append(position * MAX_BEATS + k)

    def columns(self) -> dict[str, np.ndarray]:
        if not self.rows:
            return empty_beats()
        clock, packed, bpm, anchor = zip(*self.rows, strict=True)
        return {
            "clock": np.asarray(clock, np.float64),
            "packed": np.asarray(packed, bool),
            "bpm": np.asarray(bpm, np.float64),
            "anchor_s": np.asarray(anchor, np.float64),
        }


def beat_series(beats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(unix seconds, bpm) of every beat that has an anchor before it, sorted by time."""
    n = len(beats["clock"])
    if n == 0:
        return np.empty(0), np.empty(0)
    index = np.arange(n)
    raw = beats["clock"].astype(np.int64)
    packed = beats["packed"]
    clock = accumulate(index, raw, ~packed, raw, _PACKED_BITS)
    anchored = np.isfinite(beats["anchor_s"])
    last_anchor = np.maximum.accumulate(np.where(anchored, index, -1))
    a = np.maximum(last_anchor, 0)
    delta = clock - clock[a]
    # Beats before any anchor, or whose clock is before the anchor's, have no time (the SDK raises).
    keep = (last_anchor >= 0) & (delta >= 0) & np.isfinite(beats["bpm"])
    times = beats["anchor_s"][a][keep] + delta[keep] / _CLOCK_HZ
    bpm = beats["bpm"][keep]
    order = np.argsort(times, kind="stable")
    return times[order], bpm[order]


def _carry_gaps(times: np.ndarray, bpm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SDK's expand_heart_rates: the previous bpm repeated every 250 ms into a gap, at most 5 s."""
    if times.size < 2:
        return times, bpm
    gap_ms = np.abs(np.diff(times)) * 1000.0
    steps = np.clip(np.ceil(gap_ms / (_GAP_STEP_S * 1000.0)) - 1, 0, _GAP_MAX_STEPS).astype(np.int64)
    if not steps.any():
        return times, bpm
    owner = np.repeat(np.arange(times.size - 1), steps)
    k = np.arange(owner.size) - np.repeat(np.cumsum(steps) - steps, steps) + 1
    fill_t = times[owner] + _GAP_STEP_S * k
    # Each fill goes right after its gap's first beat (file order), before the next beat.
    key = np.concatenate([np.arange(times.size) * 32.0, owner * 32.0 + k])
    order = np.argsort(key, kind="stable")
    return np.concatenate([times, fill_t])[order], np.concatenate([bpm, bpm[owner]])[order]


def merge(record_times: np.ndarray, times: np.ndarray, bpm: np.ndarray) -> np.ndarray:
    """Heart rate at each (sorted) record time: the rounded mean of the beats since the previous record.

    As the SDK's merge_heart_rates: the first record (and one sharing the previous one's time) looks back
    1 s; a record gets a value only once a later beat shows the interval is complete.
    """
    out = np.full(record_times.size, np.nan)
    t, b = _carry_gaps(times, bpm)
    if t.size == 0 or record_times.size == 0:
        return out
    previous = np.concatenate([[record_times[0] - 1.0], record_times[:-1]])
    lower = np.where(previous < record_times, previous, record_times - 1.0)
    hi = np.searchsorted(t, record_times, side="right")
    lo = np.searchsorted(t, lower, side="right")
    sums = np.concatenate([[0.0], np.cumsum(b)])
    count = hi - lo
    ok = (count > 0) & (hi < t.size)
    out[ok] = np.floor((sums[hi[ok]] - sums[lo[ok]]) / count[ok] + 0.5)
    return out


def grid(times: np.ndarray, bpm: np.ndarray, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """A 1 Hz time base from the beats inside [start, end] (for a session without records)."""
    inside = times[(times >= start) & (times <= end)]
    if inside.size == 0:
        return np.empty(0), np.empty(0)
    seconds = np.arange(np.ceil(inside[0]), np.floor(inside[-1]) + 1.0)
    values = merge(seconds, times, bpm)
    keep = np.isfinite(values)
    return seconds[keep], values[keep]
