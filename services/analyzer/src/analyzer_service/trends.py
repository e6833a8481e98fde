"""The athlete's fitness trend: daily training load → fitness (CTL), fatigue (ATL) and form (TSB)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from fitcoach_analysis.load import FitnessDay, TrainingHistory, fitness_trend, training_history
from fitcoach_runtime.errors import InvalidArgument

if TYPE_CHECKING:
    from .repository import Repository

DEFAULT_TREND_DAYS = 90
MAX_TREND_DAYS = 3 * 366
# Training files start after 1989 (the FIT epoch); the bounds keep date arithmetic (the trend's warm-up
# before start_date) far from year 1 and 9999, where Python's dates overflow and PostgreSQL's refuse.
EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
_YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date:
    """A date the API accepts: exactly YYYY-MM-DD (fromisoformat alone also takes 20200101, 2020-W01-1),
    inside [EARLIEST_DATE, LATEST_DATE]."""
    if not _YYYY_MM_DD.fullmatch(text):
        raise InvalidArgument("dates must be YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument("dates must be YYYY-MM-DD") from None
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise InvalidArgument(f"dates must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return date


async def fitness_days_and_history(
    repo: Repository, user_id: str, end: dt.date, days_before: int
) -> tuple[list[FitnessDay], TrainingHistory]:
    """The trend from `days_before` days before `end` to `end`, and how much history it rests on (one query)."""
    loads = await repo.daily_loads(user_id, end)
    trend = fitness_trend({d.date: d.load for d in loads}, end - dt.timedelta(days=days_before), end)
    return trend, training_history((d.date for d in loads), end)


class TrendService:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def trend(self, user_id: str, start_date: str, end_date: str) -> list[FitnessDay]:
        end = parse_date(end_date) if end_date else dt.datetime.now(dt.UTC).date()
        start = parse_date(start_date) if start_date else end - dt.timedelta(days=DEFAULT_TREND_DAYS - 1)
        if start > end:
            raise InvalidArgument("start_date must not be after end_date")
        if (end - start).days + 1 > MAX_TREND_DAYS:
            raise InvalidArgument(f"at most {MAX_TREND_DAYS} days per request")
        days, _history = await fitness_days_and_history(self.repo, user_id, end, (end - start).days)
        return days
