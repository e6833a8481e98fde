"""Turn what a decoder read (summary messages + record columns) into a DecodedActivity.

Both decoders (fitdecode-based and the fast numpy one) hand over a ``RawActivity``: the few summary messages
as dicts in fitdecode's conventions, and the record stream as float64 columns. Everything after that —
session windows, enhanced-field preference, sorting, the local time offset — lives here once, so the two
decoders cannot drift apart in how they interpret a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from . import hr
from .model import SAMPLE_FIELDS, DecodedActivity, Samples, SessionData

#: Unix time of the FIT epoch (1989-12-31T00:00:00Z); FIT date_time values count seconds from it.
FIT_EPOCH_S = 631065600
#: date_time values below this are seconds since the device powered on, not since the FIT epoch.
FIT_DATETIME_MIN = 0x10000000
#: The record fields the samples are built from, as float64 columns (timestamp in unix seconds).
RECORD_COLUMNS = (
    "timestamp",
    "distance",
    "speed",
    "enhanced_speed",
    "altitude",
    "enhanced_altitude",
    "heart_rate",
    "cadence",
    "fractional_cadence",
    "power",
    "position_lat",
    "position_long",
    "temperature",
    "depth",
)
#: Summary messages a decoder must hand over (everything else is not needed by FitCoach).
SUMMARY_MESSAGES = ("file_id", "device_info", "session", "lap", "length", "event", "activity", "dive_summary")
_SEMICIRCLE_DEG = 180.0 / 2**31
#: Session timestamps are whole seconds while elapsed times have milliseconds: this much apart is rounding.
_TIMESTAMP_ROUNDING_S = 2.0
#: A real UTC offset is within ±14 h; anything larger means one of the two timestamps is device-relative.
_MAX_LOCAL_OFFSET_S = 86400


@dataclass
class RawActivity:
    headers: list[dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]  # SUMMARY_MESSAGES, each list in file order
    records: dict[str, np.ndarray]  # RECORD_COLUMNS (absent = all missing), file order, NaN = missing
    record_count: int
    warnings: list[str] = field(default_factory=list)
    beats: dict[str, np.ndarray] = field(default_factory=hr.empty_beats)  # hr messages: hr.HR_COLUMNS


def assemble(raw: RawActivity) -> DecodedActivity:
    messages = {
        name: [normalize_message(name, m) for m in raw.messages.get(name, [])] for name in SUMMARY_MESSAGES
    }
    samples = _samples_from_records(raw.records)
    sessions = _build_sessions(messages, samples, hr.beat_series(raw.beats))
    return DecodedActivity(
        sessions=sessions,
        file_ids=messages["file_id"],
        device=_creator_device(messages["file_id"], messages["device_info"]),
        local_offset_s=_local_offset_s(raw.messages.get("activity", [])),
        record_count=raw.record_count,
        warnings=list(raw.warnings),
        headers=list(raw.headers),
    )


# --- message dicts ---------------------------------------------------------------------------------------


@cache
def _array_fields(message: str) -> frozenset[str]:
    """Fields the FIT profile declares as arrays; any other field is a scalar even if a file stores more."""
    from garmin_fit_sdk.profile import Profile

    for spec in Profile["messages"].values():
        if spec["name"] == message:
            return frozenset(
                f["name"] for f in spec["fields"].values() if f["array"] not in ("false", "", None)
            )
    return frozenset()


def fit_datetime(value: Any) -> dt.datetime | None:
    """A FIT date_time as an aware UTC datetime (device-relative values count from the FIT epoch too)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(FIT_EPOCH_S + value, dt.UTC)
    return None


def normalize_message(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """fitdecode-style values made convenient: scalars collapsed, enhanced values preferred, datetimes aware."""
    arrays = _array_fields(name)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, tuple | list) and key not in arrays and not key.startswith("unknown_"):
            # e.g. FR255 writes enhanced_avg_speed as uint32[2]; the profile says it is one value.
            value = value[0] if value else None
        out[key] = value
    for key in ("start_time", "timestamp"):
        if key in out and out[key] is not None:
            out[key] = fit_datetime(out[key])
    for key, value in list(out.items()):
        if key.startswith("enhanced_") and value is not None:
            out[key.removeprefix("enhanced_")] = value
    return out


def _creator_device(file_ids: list[dict[str, Any]], device_infos: list[dict[str, Any]]) -> dict[str, Any]:
    source: dict[str, Any] = {}
    if file_ids:
        source = file_ids[0]
    else:
        source = next((d for d in device_infos if d.get("device_index") in ("creator", 0)), {})
    product = source.get("garmin_product") or source.get("product")
    return {
        "manufacturer": source.get("manufacturer"),
        "product": product if product is None else str(product),
        "serial_number": source.get("serial_number"),
    }


def _seconds(value: Any) -> float | None:
    if isinstance(value, dt.datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=dt.UTC).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(FIT_EPOCH_S + value)
    return None


def _local_offset_s(activities: list[dict[str, Any]]) -> int | None:
    for activity in activities:
        utc, local = activity.get("timestamp"), activity.get("local_timestamp")
        if isinstance(utc, int | float) and utc < FIT_DATETIME_MIN:
            continue  # device-relative time: no offset can be derived
        utc_s, local_s = _seconds(utc), _seconds(local)
        if utc_s is None or local_s is None:
            continue
        offset = round(local_s - utc_s)
        if abs(offset) <= _MAX_LOCAL_OFFSET_S:
            return offset
    return None


# --- samples and sessions --------------------------------------------------------------------------------


def _samples_from_records(records: dict[str, np.ndarray]) -> Samples:
    n = len(records["timestamp"]) if "timestamp" in records else len(next(iter(records.values()), ()))

    def col(name: str) -> np.ndarray:
        return records[name] if name in records else np.full(n, np.nan)

    def prefer(primary: str, fallback: str) -> np.ndarray:
        a = col(primary)
        return np.where(np.isnan(a), col(fallback), a)

    fractional = col("fractional_cadence")
    samples = Samples(
        time_s=col("timestamp"),
        distance_m=col("distance"),
        speed_mps=prefer("enhanced_speed", "speed"),
        altitude_m=prefer("enhanced_altitude", "altitude"),
        heart_rate_bpm=col("heart_rate"),
        cadence=col("cadence") + np.where(np.isnan(fractional), 0.0, fractional),
        power_w=col("power"),
        lat_deg=col("position_lat") * _SEMICIRCLE_DEG,
        lon_deg=col("position_long") * _SEMICIRCLE_DEG,
        temperature_c=col("temperature"),
        depth_m=col("depth"),
    )
    # Stable sort keeps file order for equal timestamps; records without a timestamp go last (and belong
    # to no session). Most files are in time order already: no copy then.
    if not np.isnan(samples.time_s).any() and not (np.diff(samples.time_s) < 0).any():
        return samples
    return samples.take(np.argsort(samples.time_s, kind="stable"))


def _session_windows(starts: list[float]) -> list[tuple[float, float]]:
    """[start, end] per session: from its start_time up to (not including) the next session's start.

    Not start + total_elapsed_time: devices truncate elapsed time and write the last records a second or
    more after it (and the synthetic stress file's elapsed time covers a third of its records).
    """
    ends = [np.nextafter(s, -np.inf) for s in starts[1:]] + [np.inf]
    return list(zip(starts, ends, strict=True))


def _owner(t: float | None, windows: list[tuple[float, float]]) -> int | None:
    """Index of the session whose window holds ``t``; None when it falls between or outside them."""
    if t is None:
        return None
    for i, (start, end) in enumerate(windows):
        if start <= t <= end:
            return i
    return None


def _nearest_start(t: float | None, starts: list[float]) -> int:
    """For laps/lengths: the last session starting at or before ``t`` (laps may start a hair early)."""
    if t is None:
        return 0
    return max(0, int(np.searchsorted(np.asarray(starts), t + 1.0, side="right")) - 1)


def _synthesized_session(samples: Samples) -> dict[str, Any]:
    times = samples.time_s[~np.isnan(samples.time_s)]
    start, end = float(times[0]), float(times[-1])
    return {
        "sport": None,
        "sub_sport": None,
        "start_time": dt.datetime.fromtimestamp(start, dt.UTC),
        "timestamp": dt.datetime.fromtimestamp(end, dt.UTC),
        "total_elapsed_time": end - start,
        "synthesized": True,
    }


def _build_sessions(
    messages: dict[str, list[dict[str, Any]]], samples: Samples, beats: tuple[np.ndarray, np.ndarray]
) -> list[SessionData]:
    session_fields = list(messages["session"])
    if not session_fields:
        if not np.any(~np.isnan(samples.time_s)):
            return []
        session_fields = [_synthesized_session(samples)]

    def start_of(fields: dict[str, Any]) -> float:
        # The session's own start_time, unless timestamp - total_elapsed_time is earlier by more than the
        # rounding of whole-second timestamps: the fenix 2 writes a multisport leg's start_time 45 min after
        # its first record while its end and elapsed time agree with the records (a second or two earlier
        # is only rounding, and would take the previous leg's last record). A timestamp not after start_time
        # is no end time (the FR255 writes its sessions first, all stamped with the activity's start).
        start = _seconds(fields.get("start_time"))
        end, elapsed = _seconds(fields.get("timestamp")), fields.get("total_elapsed_time")
        if end is not None and isinstance(elapsed, int | float) and (start is None or end > start):
            if start is None or end - elapsed < start - _TIMESTAMP_ROUNDING_S:
                return end - elapsed
        return start if start is not None else -np.inf

    session_fields.sort(key=start_of)  # stable: file order for equal starts
    starts = [start_of(f) for f in session_fields]
    windows = _session_windows(starts)
    sessions = [SessionData(fields=f) for f in session_fields]

    for lap in messages["lap"]:
        sessions[_nearest_start(_seconds(lap.get("start_time")), starts)].laps.append(lap)
    for length in messages["length"]:
        sessions[_nearest_start(_seconds(length.get("start_time")), starts)].lengths.append(length)
    for event in messages["event"]:
        t = _seconds(event.get("timestamp"))
        owner = _owner(t, windows)
        if owner is None:
            continue
        # A leg's closing "stop" shares its timestamp with the next leg's start: it belongs to the leg it ends.
        if owner > 0 and t == starts[owner] and str(event.get("event_type", "")).startswith("stop"):
            owner -= 1
        sessions[owner].events.append(event)
    for summary in messages["dive_summary"]:
        # Stamped with the end of the lap or session it sums up, which lies inside that session's window.
        owner = _owner(_seconds(summary.get("timestamp")), windows)
        if owner is not None:
            sessions[owner].dive_summaries.append(summary)

    times = samples.time_s
    for session, (start, end) in zip(sessions, windows, strict=True):
        inside = (times >= start) & (times <= end)
        session.samples = samples if inside.all() else samples.take(inside)
    _merge_hr_messages(sessions, windows, beats)
    return sessions


def _merge_hr_messages(
    sessions: list[SessionData], windows: list[tuple[float, float]], beats: tuple[np.ndarray, np.ndarray]
) -> None:
    """Heart rate from hr messages, for the sessions whose records (mostly) carry none.

    A strap stores beats while under water and sends live HR only at the surface: an open-water swim's
    records hold a handful of live values (6 of 349 in triathlon-fr920xt-chained.fit), a pool swim's none.
    There the beats are merged into the records as the FIT SDK merges them (its merged value replaces a
    record's own); a session without records gets a 1 Hz time base built from the beats in its window
    (every other stream missing). Sessions whose records mostly have HR keep it.
    """
    times, bpm = beats
    if times.size == 0:
        return
    for session, (start, end) in zip(sessions, windows, strict=True):
        samples = session.samples
        if np.count_nonzero(np.isfinite(samples.heart_rate_bpm)) * 2 >= len(samples) > 0:
            continue
        if len(samples):
            merged = hr.merge(samples.time_s, times, bpm)
            if np.isfinite(merged).any():
                heart_rate = np.where(np.isfinite(merged), merged, samples.heart_rate_bpm)
                arrays = {name: getattr(samples, name) for name in SAMPLE_FIELDS}
                session.samples = Samples(**(arrays | {"heart_rate_bpm": heart_rate}))
            continue
        grid_t, grid_bpm = hr.grid(times, bpm, start, end)
        if grid_t.size:
            arrays = {name: np.full(grid_t.size, np.nan) for name in SAMPLE_FIELDS}
            session.samples = Samples(**(arrays | {"time_s": grid_t, "heart_rate_bpm": grid_bpm}))
