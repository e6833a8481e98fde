"""Reading activities: one by id, a page of the list, and a live watch of one activity's status.

Only ever the caller's own activities: someone else's id answers NOT_FOUND, exactly as a missing one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fitcoach_runtime.errors import InvalidArgument, NotFound

from .domain import ActivityRecord, ListCursor

if TYPE_CHECKING:
    from .notifier import ActivityNotifier
    from .repository import Repository

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_SPORT_CHARS = 64  # FIT sport names are short words; a longer filter is a mistake, not a sport


def _check_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"{what} not found") from None


def encode_cursor(record: ActivityRecord) -> str:
    assert record.created_at is not None
    raw = json.dumps({"c": record.created_at.isoformat(), "i": record.activity_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> ListCursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        return ListCursor(
            created_at=dt.datetime.fromisoformat(data["c"]), activity_id=str(uuid.UUID(data["i"]))
        )
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidArgument("page_token is not a token this service issued") from None


class ActivityQueries:
    """What ActivityService answers: only ever the caller's own activities."""

    def __init__(self, repo: Repository, notifier: ActivityNotifier | None, *, poll_s: float = 5.0) -> None:
        self.repo = repo
        self.notifier = notifier
        self.poll_s = poll_s

    async def get(self, user_id: str, activity_id: str, *, full: bool = True) -> ActivityRecord:
        """One of the caller's activities; `full=False` leaves out its sessions and advice."""
        record = await self.repo.activity(_check_uuid(activity_id, "activity"), user_id, full=full)
        if record is None:
            raise NotFound("activity not found")
        return record

    async def list(
        self, user_id: str, page_size: int, page_token: str, *, sport: str = ""
    ) -> tuple[list[ActivityRecord], str]:
        """A page, newest first; `sport` keeps only activities of that sport (analyzed ones, then)."""
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        sport = sport.strip().lower()
        if len(sport) > MAX_SPORT_CHARS:
            raise InvalidArgument(f"sport must be at most {MAX_SPORT_CHARS} characters")
        size = page_size or DEFAULT_PAGE_SIZE
        cursor = decode_cursor(page_token) if page_token else None
        # One extra row tells whether another page exists without a count query.
        rows = await self.repo.list_activities(user_id, size + 1, cursor, sport=sport)
        page = rows[:size]
        return page, encode_cursor(page[-1]) if len(rows) > size else ""

    async def watch(self, user_id: str, activity_id: str) -> AsyncIterator[ActivityRecord]:
        """The current state at once, then every change, until a final state."""
        activity_id = _check_uuid(activity_id, "activity")
        async with contextlib.AsyncExitStack() as stack:
            changes: asyncio.Queue[None] | None = None
            if self.notifier is not None:
                # Subscribe before the first read, so a change between the two is not missed.
                changes = await stack.enter_async_context(self.notifier.subscribe(activity_id))
            # A watcher sees only status and times: never load the sessions (chart streams) and advice.
            record = await self.get(user_id, activity_id, full=False)
            yield record
            seen = record.watch_key()
            while not record.is_final:
                if changes is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changes.get(), self.poll_s)
                else:
                    await asyncio.sleep(self.poll_s)
                record = await self.get(user_id, activity_id, full=False)
                if record.watch_key() != seen:
                    seen = record.watch_key()
                    yield record
