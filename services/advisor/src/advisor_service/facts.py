"""Numbers derived from a request, shared by the Gemini prompt and the offline coach.

Both coaches read the workout the same way (how hard, how long, how much history there is, how fresh the
athlete was), so the advice does not change its story depending on which engine wrote it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from fitcoach_analysis.load import CTL_DAYS, DURATION_LOAD_PER_HOUR, FitnessDay, TrainingHistory

from .domain import AdviceRequest, SportFamily

# When the load model means something. CTL is a 42-day exponential average that starts from zero, so after
# n days of steady training it shows only 1 − (41/42)^n of the athlete's real level: 49% after 4 weeks,
# 64% after 6. Before that, "this session was N× your fitness" and TSB (CTL − ATL, where ATL catches up in
# about two weeks) measure how little has been recorded, not the athlete: after one day the ratio is 42 for
# everyone. So until one CTL time constant has passed, with training in at least 4 of those 6 weeks, the
# coaches make no load-versus-fitness or form judgment and judge each session on its own.
BASELINE_DAYS = CTL_DAYS
BASELINE_WEEKS = 4
# Back after this many days without training: the athlete needs a gradual return, not a form reading.
RETURN_AFTER_DAYS = 14


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


class SessionLoad(enum.Enum):
    """How much training the session was on the TSS-like load scale, whatever the athlete's state.

    Light is below an easy 45 minutes (40): such a session never calls for rest, whatever the form says.
    """

    LIGHT = "light"
    MODERATE = "moderate"  # 40–100: a normal training session
    HEAVY = "heavy"  # 100–200: a long or hard session
    VERY_HEAVY = "very heavy"  # 200 and more: a race or a big day

    @property
    def at_least_moderate(self) -> bool:
        return self is not SessionLoad.LIGHT


class DiveKind(enum.Enum):
    FREEDIVE = "freedive"  # several breath-hold dives with surface intervals
    SCUBA = "scuba"  # one long dive on a gas supply
    SNORKEL = "snorkel"


_LOAD_CLASSES = ((40.0, SessionLoad.LIGHT), (100.0, SessionLoad.MODERATE), (200.0, SessionLoad.HEAVY))

# (short below, long from) in minutes: a long ride is much longer than a long swim.
_LENGTH_MINUTES = {
    SportFamily.RUN: (30, 90),
    SportFamily.WALK: (30, 120),
    SportFamily.RIDE: (45, 180),
    SportFamily.SWIM: (20, 60),
    SportFamily.ROW: (20, 60),
    SportFamily.SKI: (45, 150),
    SportFamily.PADDLE: (30, 120),
    SportFamily.MULTISPORT: (60, 180),
    SportFamily.STRENGTH: (20, 75),
    SportFamily.DIVE: (20, 90),
    SportFamily.OTHER: (20, 120),
}
_PACE_PER_KM = (SportFamily.RUN, SportFamily.WALK)
_SPEED_KMH = (SportFamily.RIDE, SportFamily.SKI, SportFamily.PADDLE)
_SCUBA_SUB_SPORTS = frozenset({"single_gas_diving", "multi_gas_diving", "gauge_diving"})


@dataclass(frozen=True)
class Facts:
    family: SportFamily
    duration_s: float | None
    intensity: Intensity
    intensity_basis: (
        str  # what decided the intensity: "IF", "HR zones", "default HR zones", "threshold HR", "max HR"
    )
    length: Length
    session_load: SessionLoad
    pace_s_per_km: float | None  # runs, walks and hikes
    pace_s_per_100m: float | None  # swims
    pace_s_per_500m: float | None  # rowing
    speed_kmh: float | None  # rides, skiing, paddling
    avg_hr_pct_max: float | None  # average HR as a fraction of the athlete's max HR
    peak_hr_pct_max: float | None
    zone_shares: tuple[float, ...]  # time share per HR zone, zone 1 first
    variability_index: float | None  # NP / average power: how even the effort was
    climb_m_per_km: float | None
    dive_kind: DiveKind | None
    avg_dive_s: float | None  # time under water per dive
    history: TrainingHistory
    baseline_ready: bool  # enough history for CTL/ATL/TSB to mean something (see BASELINE_DAYS)
    returning: bool  # first session after RETURN_AFTER_DAYS or more without training
    # The load model's reading: None until the baseline is ready.
    today: FitnessDay | None
    load_vs_ctl: float | None  # this workout's load relative to the athlete's fitness
    ctl_change_7d: float | None
    ctl_change_28d: float | None
    load_prev_7d: float | None
    # Plain sums of recorded load and days: true from the first day on.
    load_7d: float | None
    training_days_14d: int | None  # None until 14 days of history exist

    @property
    def easy_share(self) -> float | None:
        return sum(self.zone_shares[:2]) if len(self.zone_shares) >= 3 else None

    @property
    def grey_share(self) -> float | None:
        """Zone 3: too hard to recover from quickly, too easy to build top-end fitness."""
        return self.zone_shares[2] if len(self.zone_shares) >= 4 else None

    @property
    def tsb(self) -> float | None:
        return self.today.tsb if self.today is not None else None


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
    if workout.family is SportFamily.DIVE:
        return Intensity.UNKNOWN, ""  # the diving reflex slows the heart: heart rate says nothing of effort
    if workout.intensity_factor:
        return _by_if(workout.intensity_factor), "IF"
    if len(zone_shares) >= 4:
        # Zones from an empty profile come from population defaults: said so, so the athlete can fix them.
        basis = "HR zones" if athlete.max_hr_bpm or athlete.threshold_hr_bpm else "default HR zones"
        easy, hard = sum(zone_shares[:2]), sum(zone_shares[3:])
        if hard >= 0.5:
            return Intensity.VERY_HARD, basis
        if hard >= 0.25:
            return Intensity.HARD, basis
        return (Intensity.EASY if easy >= 0.75 else Intensity.MODERATE), basis
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


def _session_load(load: float | None, duration_s: float | None) -> SessionLoad:
    if load is None:  # the analyzer always sends one; a bare request is counted like an untracked hour
        load = DURATION_LOAD_PER_HOUR * (duration_s or 0.0) / 3600
    for upper, level in _LOAD_CLASSES:
        if load < upper:
            return level
    return SessionLoad.VERY_HEAVY


def _dive_kind(request: AdviceRequest) -> DiveKind | None:
    workout = request.workout
    if workout.family is not SportFamily.DIVE:
        return None
    if workout.sport == "snorkeling":
        return DiveKind.SNORKEL
    if workout.sub_sport in _SCUBA_SUB_SPORTS or (
        workout.dive_count == 1 and (workout.bottom_time_s or 0) >= 600
    ):
        return DiveKind.SCUBA
    return DiveKind.FREEDIVE


def baseline_ready(history: TrainingHistory) -> bool:
    return history.days_since_first_activity >= BASELINE_DAYS and history.weeks_with_data >= BASELINE_WEEKS


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

    history = request.known_history
    ready = baseline_ready(history)
    returning = ready and (history.days_since_previous_activity or 0) >= RETURN_AFTER_DAYS
    last = request.today
    today = last if ready else None
    ctl_7 = ctl_28 = load_7 = load_prev = None
    training_days = None
    if last is not None:
        load_7 = _load_between(days, last.date - dt.timedelta(days=6), last.date)
        start_14 = last.date - dt.timedelta(days=13)
        if history.days_since_first_activity >= 13 and days[0].date <= start_14:
            training_days = sum(1 for day in days if day.date >= start_14 and day.load > 0)
    if today is not None:
        week_ago = _on_or_before(days, today.date - dt.timedelta(days=7))
        month_ago = _on_or_before(days, today.date - dt.timedelta(days=28))
        ctl_7 = today.ctl - week_ago.ctl if week_ago else None
        ctl_28 = today.ctl - month_ago.ctl if month_ago else None
        if days[0].date <= today.date - dt.timedelta(days=13):
            load_prev = _load_between(days, today.date - dt.timedelta(days=13), today.date - dt.timedelta(7))

    return Facts(
        family=family,
        duration_s=duration,
        intensity=intensity,
        intensity_basis=basis,
        length=_length(family, duration),
        session_load=_session_load(workout.training_load, duration),
        pace_s_per_km=1000 / speed if speed and family in _PACE_PER_KM else None,
        pace_s_per_100m=100 / speed if speed and family is SportFamily.SWIM else None,
        pace_s_per_500m=500 / speed if speed and family is SportFamily.ROW else None,
        speed_kmh=speed * 3.6 if speed and family in _SPEED_KMH else None,
        avg_hr_pct_max=(
            workout.avg_hr_bpm / athlete.max_hr_bpm if workout.avg_hr_bpm and athlete.max_hr_bpm else None
        ),
        peak_hr_pct_max=(
            workout.max_hr_bpm / athlete.max_hr_bpm if workout.max_hr_bpm and athlete.max_hr_bpm else None
        ),
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
        dive_kind=_dive_kind(request),
        avg_dive_s=(
            workout.bottom_time_s / workout.dive_count
            if workout.bottom_time_s is not None and workout.dive_count
            else None
        ),
        history=history,
        baseline_ready=ready,
        returning=returning,
        today=today,
        load_vs_ctl=(
            workout.training_load / today.ctl
            if workout.training_load is not None and today is not None and today.ctl >= 1
            else None
        ),
        ctl_change_7d=ctl_7,
        ctl_change_28d=ctl_28,
        load_prev_7d=load_prev,
        load_7d=load_7,
        training_days_14d=training_days,
    )


def clock(seconds: float) -> str:
    """1:02:03 or 52:10 — durations and paces the way athletes read them."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def distance_text(family: SportFamily, metres: float) -> str:
    return f"{metres:.0f} m" if family in (SportFamily.SWIM, SportFamily.ROW) else f"{metres / 1000:.2f} km"


def speed_text(facts: Facts) -> str | None:
    """The workout's speed in its sport's unit; None for sports where speed means nothing (yoga, dives)."""
    if facts.pace_s_per_km:
        return f"{clock(facts.pace_s_per_km)} /km"
    if facts.pace_s_per_100m:
        return f"{clock(facts.pace_s_per_100m)} /100 m"
    if facts.pace_s_per_500m:
        return f"{clock(facts.pace_s_per_500m)} /500 m"
    if facts.speed_kmh:
        return f"{facts.speed_kmh:.1f} km/h"
    return None
