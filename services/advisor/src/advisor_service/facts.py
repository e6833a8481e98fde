"""Numbers derived from a request, shared by the Gemini prompt and the offline coach.

Both coaches read the workout the same way (how hard, how long, how fresh the athlete was), so the advice
does not change its story depending on which engine wrote it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from .domain import AdviceRequest, FitnessDay, SportFamily


class Intensity(enum.Enum):
    UNKNOWN = "unknown"
    EASY = "easy"
    MODERATE = "moderate"
    HARD = "hard"
    VERY_HARD = "very hard"


class Length(enum.Enum):
    UNKNOWN = "unknown"
    SHORT = "short"
    NORMAL = "normal"
    LONG = "long"


# (short below, long from) in minutes: a long ride is much longer than a long swim.
_LENGTH_MINUTES = {
    SportFamily.RUN: (30, 90),
    SportFamily.RIDE: (45, 180),
    SportFamily.SWIM: (20, 60),
    SportFamily.OTHER: (20, 120),
}


@dataclass(frozen=True)
class Facts:
    family: SportFamily
    duration_s: float | None
    intensity: Intensity
    intensity_basis: str  # which number decided the intensity: "IF", "HR zones", "threshold HR", "max HR"
    length: Length
    pace_s_per_km: float | None  # runs and walks
    pace_s_per_100m: float | None  # swims
    speed_kmh: float | None  # everything else
    avg_hr_pct_max: float | None  # average HR as a fraction of the athlete's max HR
    peak_hr_pct_max: float | None
    zone_shares: tuple[float, ...]  # time share per HR zone, zone 1 first
    variability_index: float | None  # NP / average power: how even the effort was
    climb_m_per_km: float | None
    load_vs_ctl: float | None  # this workout's load relative to the athlete's fitness
    today: FitnessDay | None
    ctl_change_7d: float | None
    ctl_change_28d: float | None
    load_7d: float | None
    load_prev_7d: float | None
    training_days_14d: int | None

    @property
    def easy_share(self) -> float | None:
        return sum(self.zone_shares[:2]) if len(self.zone_shares) >= 3 else None

    @property
    def grey_share(self) -> float | None:
        """Zone 3: too hard to recover from quickly, too easy to build top-end fitness."""
        return self.zone_shares[2] if len(self.zone_shares) >= 4 else None

    @property
    def hard_share(self) -> float | None:
        return sum(self.zone_shares[3:]) if len(self.zone_shares) >= 4 else None


def _by_if(intensity_factor: float) -> Intensity:
    if intensity_factor < 0.75:
        return Intensity.EASY
    if intensity_factor < 0.85:
        return Intensity.MODERATE
    if intensity_factor < 0.95:
        return Intensity.HARD
    return Intensity.VERY_HARD


def _by_fraction(fraction: float, bounds: tuple[float, float, float]) -> Intensity:
    easy, moderate, hard = bounds
    if fraction < easy:
        return Intensity.EASY
    if fraction < moderate:
        return Intensity.MODERATE
    if fraction < hard:
        return Intensity.HARD
    return Intensity.VERY_HARD


def _intensity(request: AdviceRequest, zone_shares: tuple[float, ...]) -> tuple[Intensity, str]:
    workout, athlete = request.workout, request.athlete
    if workout.intensity_factor:
        return _by_if(workout.intensity_factor), "IF"
    if len(zone_shares) >= 4:
        easy, hard = sum(zone_shares[:2]), sum(zone_shares[3:])
        if hard >= 0.5:
            return Intensity.VERY_HARD, "HR zones"
        if hard >= 0.25:
            return Intensity.HARD, "HR zones"
        return (Intensity.EASY if easy >= 0.75 else Intensity.MODERATE), "HR zones"
    if workout.avg_hr_bpm and athlete.threshold_hr_bpm:
        return _by_fraction(workout.avg_hr_bpm / athlete.threshold_hr_bpm, (0.85, 0.95, 1.02)), "threshold HR"
    if workout.avg_hr_bpm and athlete.max_hr_bpm:
        return _by_fraction(workout.avg_hr_bpm / athlete.max_hr_bpm, (0.75, 0.85, 0.92)), "max HR"
    return Intensity.UNKNOWN, ""


def _length(family: SportFamily, duration_s: float | None) -> Length:
    if not duration_s:
        return Length.UNKNOWN
    short, long = _LENGTH_MINUTES[family]
    minutes = duration_s / 60
    if minutes < short:
        return Length.SHORT
    return Length.LONG if minutes >= long else Length.NORMAL


def _on_or_before(days: tuple[FitnessDay, ...], date: dt.date) -> FitnessDay | None:
    earlier = [day for day in days if day.date <= date]
    return earlier[-1] if earlier else None


def _load_between(days: tuple[FitnessDay, ...], first: dt.date, last: dt.date) -> float:
    return sum(day.load for day in days if first <= day.date <= last)


def derive(request: AdviceRequest) -> Facts:
    workout, athlete, days = request.workout, request.athlete, request.recent_days
    family = workout.family
    duration = workout.duration_s
    total_zone = sum(workout.hr_zone_seconds)
    zone_shares = tuple(s / total_zone for s in workout.hr_zone_seconds) if total_zone > 0 else ()
    intensity, basis = _intensity(request, zone_shares)

    speed = workout.avg_speed_mps
    if not speed and workout.distance_m and duration:
        speed = workout.distance_m / duration
    pace_km = 1000 / speed if speed and family is SportFamily.RUN else None
    pace_100 = 100 / speed if speed and family is SportFamily.SWIM else None
    speed_kmh = speed * 3.6 if speed and family in (SportFamily.RIDE, SportFamily.OTHER) else None

    max_hr = athlete.max_hr_bpm
    today = request.today
    ctl_7 = ctl_28 = load_7 = load_prev = None
    training_days = None
    if today is not None:
        week_ago = _on_or_before(days, today.date - dt.timedelta(days=7))
        month_ago = _on_or_before(days, today.date - dt.timedelta(days=28))
        ctl_7 = today.ctl - week_ago.ctl if week_ago else None
        ctl_28 = today.ctl - month_ago.ctl if month_ago else None
        load_7 = _load_between(days, today.date - dt.timedelta(days=6), today.date)
        if days[0].date <= today.date - dt.timedelta(days=13):
            load_prev = _load_between(days, today.date - dt.timedelta(days=13), today.date - dt.timedelta(7))
        start_14 = today.date - dt.timedelta(days=13)
        training_days = sum(1 for day in days if day.date >= start_14 and day.load > 0)

    return Facts(
        family=family,
        duration_s=duration,
        intensity=intensity,
        intensity_basis=basis,
        length=_length(family, duration),
        pace_s_per_km=pace_km,
        pace_s_per_100m=pace_100,
        speed_kmh=speed_kmh,
        avg_hr_pct_max=workout.avg_hr_bpm / max_hr if workout.avg_hr_bpm and max_hr else None,
        peak_hr_pct_max=workout.max_hr_bpm / max_hr if workout.max_hr_bpm and max_hr else None,
        zone_shares=zone_shares,
        variability_index=(
            workout.normalized_power_w / workout.avg_power_w
            if workout.normalized_power_w and workout.avg_power_w
            else None
        ),
        climb_m_per_km=(
            workout.ascent_m / (workout.distance_m / 1000)
            if workout.ascent_m is not None and workout.distance_m and workout.distance_m >= 1000
            else None
        ),
        load_vs_ctl=(
            workout.training_load / today.ctl
            if workout.training_load is not None and today is not None and today.ctl >= 1
            else None
        ),
        today=today,
        ctl_change_7d=ctl_7,
        ctl_change_28d=ctl_28,
        load_7d=load_7,
        load_prev_7d=load_prev,
        training_days_14d=training_days,
    )


def clock(seconds: float) -> str:
    """1:02:03 or 52:10 — durations and paces the way athletes read them."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def distance_text(family: SportFamily, metres: float) -> str:
    return f"{metres:.0f} m" if family is SportFamily.SWIM else f"{metres / 1000:.2f} km"


def speed_text(facts: Facts) -> str | None:
    if facts.pace_s_per_km:
        return f"{clock(facts.pace_s_per_km)} /km"
    if facts.pace_s_per_100m:
        return f"{clock(facts.pace_s_per_100m)} /100 m"
    if facts.speed_kmh:
        return f"{facts.speed_kmh:.1f} km/h"
    return None
