"""The athlete's fitness trend: daily training load → fitness (CTL), fatigue (ATL) and form (TSB)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from fitcoach_analysis.load import fitness_trend
from fitcoach_runtime.errors import InvalidArgument

from .domain import FitnessDay

if TYPE_CHECKING:
    from .repository import Repository

DEFAULT_TREND_DAYS = 90
MAX_TREND_DAYS = 3 * 366


async def fitness_days(repo: Repository, user_id: str, end: dt.date, days: int) -> list[FitnessDay]:
    loads = await repo.daily_loads(user_id, end)
    start = end - dt.timedelta(days=days - 1)
    trend = fitness_trend({d.date: d.load for d in loads}, start, end)
    return [
        FitnessDay(
            date=dt.date.fromisoformat(t["date"]), load=t["load"], ctl=t["ctl"], atl=t["atl"], tsb=t["tsb"]
        )
        for t in trend
    ]


class TrendService:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def trend(self, user_id: str, start_date: str, end_date: str) -> list[FitnessDay]:
        try:
            end = dt.date.fromisoformat(end_date) if end_date else dt.datetime.now(dt.UTC).date()
            start = (
                dt.date.fromisoformat(start_date)
                if start_date
                else end - dt.timedelta(days=DEFAULT_TREND_DAYS - 1)
            )
        except ValueError:
            raise InvalidArgument("dates must be YYYY-MM-DD") from None
        if start > end:
            raise InvalidArgument("start_date must not be after end_date")
        if (end - start).days + 1 > MAX_TREND_DAYS:
            raise InvalidArgument(f"at most {MAX_TREND_DAYS} days per request")
        return await fitness_days(self.repo, user_id, end, (end - start).days + 1)
