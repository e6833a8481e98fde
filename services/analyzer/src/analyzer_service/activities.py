"""Reading activities: one by id, a page of the list, and a live watch of one activity's status.

Only ever the caller's own activities: someone else's id answers NOT_FOUND, exactly as a missing one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fitcoach_runtime.errors import InvalidArgument, NotFound, ResourceExhausted

from .domain import ActivityRecord, ListCursor

if TYPE_CHECKING:
    from .notifier import ActivityNotifier
    from .repository import Repository

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_SPORT_CHARS = 64  # FIT sport names are short words; a longer filter is a mistake, not a sport
# FIT sport names are snake_case words ("running", "open_water"); anything else (NUL, spaces) is no sport.
_SPORT_NAME = re.compile(rf"[a-z0-9_]{{0,{MAX_SPORT_CHARS}}}")


def _check_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"{what} not found") from None


def encode_cursor(record: ActivityRecord) -> str:
    assert record.created_at is not None
    raw = json.dumps({"c": record.created_at.isoformat(), "i": record.activity_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Page tokens are not signed: a client may send any bytes. Those that decode are still checked to be a
# position this service could have issued (an aware time between these bounds, a canonical id), so no
# forged value reaches PostgreSQL ("date out of range" at year 1 and 9999 was an INTERNAL error).
_CURSOR_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CURSOR_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
MAX_PAGE_TOKEN_CHARS = 256


def decode_cursor(token: str) -> ListCursor:
    refused = InvalidArgument("page_token is not a token this service issued")
    if len(token) > MAX_PAGE_TOKEN_CHARS:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        created_at = dt.datetime.fromisoformat(data["c"])
        activity_id = data["i"]
        canonical_id = str(uuid.UUID(activity_id))
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise refused from None
    if (
        created_at.tzinfo is None
        or not _CURSOR_EARLIEST <= created_at <= _CURSOR_LATEST
        or activity_id != canonical_id
    ):
        raise refused
    return ListCursor(created_at=created_at, activity_id=canonical_id)


class ActivityQueries:
    """What ActivityService answers: only ever the caller's own activities.

    Watches are bounded: each ends after `max_watch_s` (the client opens a new one, which starts with the
    current state, so nothing is missed), and one user holds at most `max_watches_per_user` at a time in
    this process, so a single account cannot tie up the server's streams.
    """

    def __init__(
        self,
        repo: Repository,
        notifier: ActivityNotifier | None,
        *,
        poll_s: float = 5.0,
        max_watch_s: float = 900.0,
        max_watches_per_user: int = 10,
    ) -> None:
        self.repo = repo
        self.notifier = notifier
        self.poll_s = poll_s
        self.max_watch_s = max_watch_s
        self.max_watches_per_user = max_watches_per_user
        self._open_watches: collections.Counter[str] = collections.Counter()

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
        if not _SPORT_NAME.fullmatch(sport):
            raise InvalidArgument(
                f"sport must be a FIT sport name (letters, digits, _; at most {MAX_SPORT_CHARS} characters)"
            )
        size = page_size or DEFAULT_PAGE_SIZE
        cursor = decode_cursor(page_token) if page_token else None
        # One extra row tells whether another page exists without a count query.
        rows = await self.repo.list_activities(user_id, size + 1, cursor, sport=sport)
        page = rows[:size]
        return page, encode_cursor(page[-1]) if len(rows) > size else ""

    async def watch(self, user_id: str, activity_id: str) -> AsyncIterator[ActivityRecord]:
        """The current state at once, then every change, until a final state or `max_watch_s`."""
        activity_id = _check_uuid(activity_id, "activity")
        if self._open_watches[user_id] >= self.max_watches_per_user:
            raise ResourceExhausted(
                f"at most {self.max_watches_per_user} open WatchActivity streams per user; close one first"
            )
        self._open_watches[user_id] += 1
        try:
            async for record in self._watch(user_id, activity_id):
                yield record
        finally:
            self._open_watches[user_id] -= 1
            if self._open_watches[user_id] <= 0:
                del self._open_watches[user_id]

    async def _watch(self, user_id: str, activity_id: str) -> AsyncIterator[ActivityRecord]:
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + self.max_watch_s
        async with contextlib.AsyncExitStack() as stack:
            changes: asyncio.Queue[None] | None = None
            if self.notifier is not None:
                # Subscribe before the first read, so a change between the two is not missed.
                changes = await stack.enter_async_context(self.notifier.subscribe(activity_id))
            # A watcher sees only status and times: never load the sessions (chart streams) and advice.
            record = await self.get(user_id, activity_id, full=False)
            yield record
            seen = record.watch_key()
            while not record.is_final and (remaining := ends_at - loop.time()) > 0:
                wait = min(self.poll_s, remaining)
                if changes is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changes.get(), wait)
                else:
                    await asyncio.sleep(wait)
                record = await self.get(user_id, activity_id, full=False)
                if record.watch_key() != seen:
                    seen = record.watch_key()
                    yield record
