"""Training load per activity and the fitness trend (CTL / ATL / TSB) over days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

CTL_DAYS = 42
ATL_DAYS = 7
# Without power or heart rate, an hour of training counts as 50 (an hour at IF ≈ 0.71, an easy endurance
# session), so days without sensors still move the trend instead of reading as rest days.
DURATION_LOAD_PER_HOUR = 50.0


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


def fitness_trend(daily_loads: Mapping[date, float], start: date, end: date) -> list[dict[str, Any]]:
    """One entry per day from start to end: {date, load, ctl, atl, tsb}.

    CTL and ATL are exponentially weighted averages of daily load:
    X_d = X_{d-1} + (load_d − X_{d-1}) / N, N = 42 (CTL) and 7 (ATL), starting from 0 on the first day
    with a load (earlier loads than `start` warm the averages up). TSB_d = CTL_d − ATL_d (form after the
    day's training, the convention of the athlete-facing tools the design follows).
    """
    if end < start:
        return []
    first = min([start, *(d for d in daily_loads if d <= end)])
    ctl = atl = 0.0
    out: list[dict[str, Any]] = []
    day = first
    while day <= end:
        load = float(daily_loads.get(day, 0.0))
        ctl += (load - ctl) / CTL_DAYS
        atl += (load - atl) / ATL_DAYS
        if day >= start:
            out.append({"date": day.isoformat(), "load": load, "ctl": ctl, "atl": atl, "tsb": ctl - atl})
        day += timedelta(days=1)
    return out
