"""Training load per activity, the fitness trend (CTL / ATL / TSB) over days, and how much history exists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

CTL_DAYS = 42
ATL_DAYS = 7
# Without power or heart rate, an hour of training counts as 50 (an hour at IF ≈ 0.71, an easy endurance
# session), so days without sensors still move the trend instead of reading as rest days.
DURATION_LOAD_PER_HOUR = 50.0


@dataclass(frozen=True)
class FitnessDay:
    """One day of the fitness trend: the day's load, CTL (fitness), ATL (fatigue) and TSB (form)."""

    date: date
    load: float
    ctl: float
    atl: float
    tsb: float


@dataclass(frozen=True)
class TrainingHistory:
    """How much training history an athlete has on one day: what decides whether CTL/ATL/TSB mean anything.

    Counted over the days with at least one activity, up to and including that day.
    """

    days_since_first_activity: int  # 0 on the day of the first activity
    active_days: int
    weeks_with_data: int  # 7-day blocks counted back from the day that hold an activity
    days_since_previous_activity: int | None  # None when no earlier day has an activity


def training_load(
    tss: float | None, hr_tss: float | None, timer_time_s: float | None
) -> tuple[float | None, str]:
    """(load, method): TSS when power and FTP gave one, else hrTSS, else a duration estimate."""
    if tss is not None:
        return tss, "tss"
    if hr_tss is not None:
        return hr_tss, "hrtss"
    if timer_time_s:
        return DURATION_LOAD_PER_HOUR * timer_time_s / 3600.0, "duration"
    return None, ""


def fitness_trend(daily_loads: Mapping[date, float], start: date, end: date) -> list[FitnessDay]:
    """One entry per day from start to end.

    CTL and ATL are exponentially weighted averages of daily load:
    X_d = X_{d-1} + (load_d − X_{d-1}) / N, N = 42 (CTL) and 7 (ATL), starting from 0 on the first day
    with a load (earlier loads than `start` warm the averages up). TSB_d = CTL_d − ATL_d (form after the
    day's training, the convention of the athlete-facing tools the design follows).
    """
    if end < start:
        return []
    first = min([start, *(d for d in daily_loads if d <= end)])
    ctl = atl = 0.0
    out: list[FitnessDay] = []
    day = first
    while day <= end:
        load = float(daily_loads.get(day, 0.0))
        ctl += (load - ctl) / CTL_DAYS
        atl += (load - atl) / ATL_DAYS
        if day >= start:
            out.append(FitnessDay(date=day, load=load, ctl=ctl, atl=atl, tsb=ctl - atl))
        day += timedelta(days=1)
    return out


def training_history(active_days: Iterable[date], day: date) -> TrainingHistory:
    """The history on `day` from the days that hold an activity (later days are ignored; `day` counts as one)."""
    days = {d for d in active_days if d <= day} | {day}
    earlier = [d for d in days if d < day]
    return TrainingHistory(
        days_since_first_activity=(day - min(days)).days,
        active_days=len(days),
        weeks_with_data=len({(day - d).days // 7 for d in days}),
        days_since_previous_activity=(day - max(earlier)).days if earlier else None,
    )
