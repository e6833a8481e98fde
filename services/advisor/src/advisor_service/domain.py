"""What the advisor works with: the numbers of one request and the advice it answers with.

Requests hold numbers only. The few strings a caller can send (language, sport, sub-sport, day dates) are
reduced here to closed sets or parsed values, so nothing a user typed — a file name, a device string, an
injected instruction — can travel further into a prompt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fitcoach_analysis.load import FitnessDay, TrainingHistory, training_history
from fitcoach_runtime.errors import InvalidArgument
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"

# FIT profile names the coaches understand; anything else becomes "generic".
SPORTS = frozenset(
    {
        "generic", "running", "cycling", "swimming", "walking", "hiking", "training", "fitness_equipment",
        "rowing", "cross_country_skiing", "e_biking", "mountaineering", "multisport", "triathlon",
        "transition", "paddling", "stand_up_paddleboarding", "kayaking", "alpine_skiing", "snowboarding",
        "inline_skating", "ice_skating", "floor_climbing", "rock_climbing", "tennis", "soccer", "basketball",
        "diving", "snorkeling", "hiit", "meditation", "snowshoeing",
    }
)  # fmt: skip
SUB_SPORTS = frozenset(
    {
        "generic", "treadmill", "street", "trail", "track", "road", "mountain", "downhill", "cyclocross",
        "track_cycling", "indoor_cycling", "spin", "recumbent", "virtual_activity", "gravel_cycling",
        "e_bike_fitness", "e_bike_mountain", "bmx", "hand_cycling", "indoor_running", "ultra",
        "lap_swimming", "open_water", "indoor_rowing", "indoor_walking", "casual_walking", "speed_walking",
        "strength_training", "cardio_training", "hiit", "yoga", "pilates", "elliptical", "stair_climbing",
        "indoor_skiing", "skate_skiing", "backcountry", "obstacle", "commuting", "mixed_surface",
        "flexibility_training", "breathing", "single_gas_diving", "multi_gas_diving", "gauge_diving",
        "apnea_diving", "apnea_hunting",
    }
)  # fmt: skip

# Version of the canonical form hashed into `input_hash`; bump it when the layout below changes.
_HASH_LAYOUT = 2


class SportFamily(enum.Enum):
    """How the coaches group sports: their units, rules and suggested sessions differ per family."""

    RUN = "run"
    WALK = "walk"  # walking, hiking, mountaineering
    RIDE = "ride"
    SWIM = "swim"
    ROW = "row"
    SKI = "ski"  # cross-country
    PADDLE = "paddle"
    MULTISPORT = "multisport"  # several endurance legs in one activity
    STRENGTH = "strength"  # strength, yoga, pilates, mobility
    DIVE = "dive"  # freediving, scuba, snorkelling
    OTHER = "other"

    @property
    def endurance(self) -> bool:
        """Continuous aerobic sports, where distance, pace, zones and decoupling tell the story."""
        return self not in (SportFamily.STRENGTH, SportFamily.DIVE, SportFamily.OTHER)

    @property
    def has_distance(self) -> bool:
        """Whether distance belongs to the story: not for yoga or weights, not a diver's drift at the surface."""
        return self not in (SportFamily.STRENGTH, SportFamily.DIVE)


# A sub-sport says more than its sport ("training" covers yoga and weights): it is looked up first.
_SUB_SPORT_FAMILIES = {
    "strength_training": SportFamily.STRENGTH,
    "yoga": SportFamily.STRENGTH,
    "pilates": SportFamily.STRENGTH,
    "flexibility_training": SportFamily.STRENGTH,
    "breathing": SportFamily.STRENGTH,
    "indoor_rowing": SportFamily.ROW,
    "single_gas_diving": SportFamily.DIVE,
    "multi_gas_diving": SportFamily.DIVE,
    "gauge_diving": SportFamily.DIVE,
    "apnea_diving": SportFamily.DIVE,
    "apnea_hunting": SportFamily.DIVE,
}
_SPORT_FAMILIES = {
    "running": SportFamily.RUN,
    "walking": SportFamily.WALK,
    "hiking": SportFamily.WALK,
    "mountaineering": SportFamily.WALK,
    "snowshoeing": SportFamily.WALK,
    "cycling": SportFamily.RIDE,
    "e_biking": SportFamily.RIDE,
    "swimming": SportFamily.SWIM,
    "rowing": SportFamily.ROW,
    "cross_country_skiing": SportFamily.SKI,
    "paddling": SportFamily.PADDLE,
    "stand_up_paddleboarding": SportFamily.PADDLE,
    "kayaking": SportFamily.PADDLE,
    "multisport": SportFamily.MULTISPORT,
    "triathlon": SportFamily.MULTISPORT,
    "meditation": SportFamily.STRENGTH,
    "diving": SportFamily.DIVE,
    "snorkeling": SportFamily.DIVE,
}


def sport_family(sport: str, sub_sport: str) -> SportFamily:
    return _SUB_SPORT_FAMILIES.get(sub_sport) or _SPORT_FAMILIES.get(sport, SportFamily.OTHER)


def normalize_language(value: str) -> str:
    """The advice language: "en" or "ko"; regional tags like "ko-KR" count, anything else is English."""
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def normalize_sport(value: str) -> str:
    name = value.strip().lower()
    return name if name in SPORTS else "generic"


def normalize_sub_sport(value: str) -> str:
    name = value.strip().lower()
    return name if name in SUB_SPORTS else "generic"


def _finite(name: str, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise InvalidArgument(f"{name} must be a finite number")
    return value


@dataclass(frozen=True)
class Workout:
    """One activity's numbers; None where the device did not record a value."""

    sport: str = "generic"
    sub_sport: str = "generic"
    start_time: dt.datetime | None = None
    distance_m: float | None = None
    timer_time_s: float | None = None
    moving_time_s: float | None = None
    avg_speed_mps: float | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    ascent_m: float | None = None
    avg_power_w: float | None = None
    normalized_power_w: float | None = None
    training_load: float | None = None
    decoupling_pct: float | None = None
    intensity_factor: float | None = None
    hr_zone_seconds: tuple[float, ...] = ()
    max_depth_m: float | None = None
    avg_depth_m: float | None = None
    bottom_time_s: float | None = None
    surface_interval_s: float | None = None
    dive_count: int | None = None

    def __post_init__(self) -> None:
        # Normalise here so no code path can build a Workout that carries caller text.
        object.__setattr__(self, "sport", normalize_sport(self.sport))
        object.__setattr__(self, "sub_sport", normalize_sub_sport(self.sub_sport))
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float):
                _finite(field.name, value)
        for seconds in self.hr_zone_seconds:
            if not math.isfinite(seconds) or seconds < 0:
                raise InvalidArgument("hr_zone_seconds must be finite and not negative")
        if len(self.hr_zone_seconds) > 10:
            raise InvalidArgument("hr_zone_seconds holds at most 10 zones")
        if self.dive_count is not None and not 0 <= self.dive_count <= 10_000:
            raise InvalidArgument("dive_count must be between 0 and 10000")

    @property
    def family(self) -> SportFamily:
        return sport_family(self.sport, self.sub_sport)

    @property
    def duration_s(self) -> float | None:
        if not self.family.has_distance:  # "moving" means nothing on a mat or under water
            return self.timer_time_s or self.moving_time_s
        return self.moving_time_s or self.timer_time_s


def parse_day(value: str) -> dt.date:
    """Accept exactly "YYYY-MM-DD": a day's date is caller text and must not pass through as text."""
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument("recent_days[].date must be YYYY-MM-DD") from None


@dataclass(frozen=True)
class Athlete:
    max_hr_bpm: float | None = None
    rest_hr_bpm: float | None = None
    threshold_hr_bpm: float | None = None
    ftp_w: float | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            _finite(field.name, getattr(self, field.name))


MAX_RECENT_DAYS = 400


@dataclass(frozen=True)
class AdviceRequest:
    workout: Workout
    recent_days: tuple[FitnessDay, ...] = ()
    athlete: Athlete = Athlete()
    language: str = DEFAULT_LANGUAGE
    offline_only: bool = False
    history: TrainingHistory | None = None  # None: the caller did not say; see `known_history`

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalize_language(self.language))
        if len(self.recent_days) > MAX_RECENT_DAYS:
            raise InvalidArgument(f"recent_days holds at most {MAX_RECENT_DAYS} days")
        for day in self.recent_days:
            for name in ("load", "ctl", "atl", "tsb"):
                _finite(f"recent_days[].{name}", getattr(day, name))
        dates = [day.date for day in self.recent_days]
        if dates != sorted(dates):
            raise InvalidArgument("recent_days must be ordered oldest first")
        if self.history is not None:
            _check_history(self.history)

    @property
    def today(self) -> FitnessDay | None:
        return self.recent_days[-1] if self.recent_days else None

    @property
    def known_history(self) -> TrainingHistory:
        """The caller's history, or what recent_days shows of it (the days with load) when it sent none.

        Without either, the workout counts as a first activity: with nothing known, no judgment that needs
        a history is made.
        """
        if self.history is not None:
            return self.history
        if self.today is None:
            return training_history((), dt.date.min)
        return training_history((d.date for d in self.recent_days if d.load > 0), self.today.date)


def _check_history(history: TrainingHistory) -> None:
    """Counts that cannot be true together would only mislead the coach: refuse them."""
    span = history.days_since_first_activity
    gap = history.days_since_previous_activity
    first_day = history.active_days == 1  # then it is the first activity: no span, no previous day
    if (
        not 0 <= span <= 100_000
        or not 1 <= history.active_days <= span + 1
        or not 1 <= history.weeks_with_data <= min(span // 7 + 1, history.active_days)
        or (gap is not None and not 1 <= gap <= span)
        or (gap is None) != first_day
        or (span == 0) != first_day
    ):
        raise InvalidArgument("history counts are inconsistent")


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Absent numbers are left out, so "unknown" and 0.0 hash differently.
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None and f.name != "offline_only"
        }
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # 3 and 3.0 are the same number
    return value


def input_hash(request: AdviceRequest) -> str:
    """SHA-256 of the canonical JSON of the request's numbers and language.

    `offline_only` is left out: it picks a coach, it is not an input of the advice.
    """
    body = {"layout": _HASH_LAYOUT, **_canonical(request)}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


_Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class AdviceText(BaseModel):
    """The advice itself — the structure both coaches produce and Gemini's response schema."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    summary: str = Field(min_length=1, max_length=1200, description="Two or three sentences on the workout.")
    went_well: list[_Item] = Field(min_length=1, max_length=4, description="What went well, short items.")
    to_improve: list[_Item] = Field(min_length=1, max_length=4, description="What to improve, short items.")
    next_session: str = Field(
        min_length=1, max_length=600, description="One concrete suggestion for the next session."
    )


class Engine(enum.Enum):
    GEMINI = "gemini"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Advice:
    text: AdviceText
    language: str
    engine: Engine
    model: str
    prompt_version: str
    input_hash: str
    created_at: dt.datetime
    fallback_reason: str = ""
