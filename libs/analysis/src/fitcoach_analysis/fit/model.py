"""What a decoded FIT file looks like to the rest of FitCoach, whichever decoder produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


class InvalidFitFile(ValueError):
    """The bytes are not a FIT file FitCoach can read; ``str(e)`` is ``PREFIX + reason``, here
    ``"not a valid FIT file: <reason>"``."""

    PREFIX = "not a valid FIT file: "

    def __init__(self, reason: str) -> None:
        super().__init__(self.PREFIX + reason)
        self.reason = reason


class NoActivityData(InvalidFitFile):
    """A readable FIT file without an activity in it: no session and no timestamped record (a header only,
    or only definition messages). ``str(e)`` is ``"no activity data: <reason>"``."""

    PREFIX = "no activity data: "


#: Samples' array names, in the order they are listed; every one is float64 with NaN for "missing".
SAMPLE_FIELDS = (
    "time_s",
    "distance_m",
    "speed_mps",
    "altitude_m",
    "heart_rate_bpm",
    "cadence",
    "power_w",
    "lat_deg",
    "lon_deg",
    "temperature_c",
    "depth_m",
)


@dataclass(eq=False)
class Samples:
    """Per-record streams of one session: equal-length float64 arrays, NaN = missing, sorted by time.

    ``cadence`` is the FIT value (plus ``fractional_cadence``): strides per minute for running, not doubled.
    """

    time_s: np.ndarray  # unix seconds, UTC
    distance_m: np.ndarray
    speed_mps: np.ndarray  # enhanced_speed when present
    altitude_m: np.ndarray  # enhanced_altitude when present
    heart_rate_bpm: np.ndarray
    cadence: np.ndarray
    power_w: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    temperature_c: np.ndarray
    depth_m: np.ndarray  # dive computers: metres below the surface

    @classmethod
    def empty(cls) -> Samples:
        return cls(**{name: np.empty(0, dtype=np.float64) for name in SAMPLE_FIELDS})

    def __len__(self) -> int:
        return len(self.time_s)

    def __eq__(self, other: object) -> bool:
        # Arrays compare element-wise; two decoders agree when every stream is equal, NaN where NaN.
        if not isinstance(other, Samples):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=True)
            for name in SAMPLE_FIELDS
        )

    def take(self, index: np.ndarray) -> Samples:
        """The samples at ``index`` (an integer or boolean array)."""
        return Samples(**{name: getattr(self, name)[index] for name in SAMPLE_FIELDS})


@dataclass
class SessionData:
    """One session (one sport leg) with the messages and samples that belong to it.

    Message dicts use fitdecode's field names and scaled values; enum values are names; ``start_time`` and
    ``timestamp`` are aware UTC datetimes; a present ``enhanced_<x>`` value is also stored as ``<x>``.
    """

    fields: dict[str, Any]
    laps: list[dict[str, Any]] = field(default_factory=list)
    lengths: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    dive_summaries: list[dict[str, Any]] = field(default_factory=list)  # per dive (lap) and per session
    samples: Samples = field(default_factory=Samples.empty)

    @property
    def sport(self) -> str | None:
        value = self.fields.get("sport")
        return value if isinstance(value, str) else None

    @property
    def sub_sport(self) -> str | None:
        value = self.fields.get("sub_sport")
        return value if isinstance(value, str) else None


@dataclass
class DecodedActivity:
    """Everything FitCoach reads from one upload (which may hold several chained FIT files)."""

    sessions: list[SessionData]  # ordered by start time
    file_ids: list[dict[str, Any]]  # one per chained file that has one
    device: dict[str, Any]  # manufacturer, product, serial_number of the creator device
    local_offset_s: int | None  # activity.local_timestamp - activity.timestamp
    record_count: int
    warnings: list[str] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)  # one per chained FIT file
