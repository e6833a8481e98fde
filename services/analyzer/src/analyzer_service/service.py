"""The analyzer's use cases: analyze an uploaded file, advise on it, and read activities, profiles and trends.

No gRPC, NATS or SQL here: the consumer and the servicer translate, the repository stores.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fitcoach_analysis.load import fitness_trend
from fitcoach_analysis.profile import AthleteProfile
from fitcoach_runtime.errors import InvalidArgument, NotFound

from .domain import (
    ActivityRecord,
    AdviceRecord,
    AdviceRequest,
    AdvisorUnavailable,
    AnalysisResult,
    ClaimOutcome,
    FileRejected,
    FitnessDay,
    ListCursor,
    UploadJob,
)

if TYPE_CHECKING:
    from .objects import ObjectReader
    from .repository import ActivityNotifier, Repository
    from .worker import DecodeWorker

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_TREND_DAYS = 90
MAX_TREND_DAYS = 3 * 366

# The workout numbers the advisor may see, all taken from the activity summary (MetricSet names).
_WORKOUT_METRICS = (
    "distance_m", "timer_time_s", "moving_time_s", "avg_speed_mps", "avg_hr_bpm", "max_hr_bpm", "ascent_m",
    "avg_power_w", "normalized_power_w", "training_load", "decoupling_pct", "intensity_factor",
)  # fmt: skip
_ATHLETE_NUMBERS = ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "ftp_w")


class Advisor(Protocol):
    async def generate(self, request: AdviceRequest, request_hash: str) -> AdviceRecord: ...


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def device_name(device: Any) -> str:
    """ "garmin fenix2" from the file_id/device_info the library reports (a string is kept as is)."""
    if isinstance(device, dict):
        parts = [device.get("manufacturer"), device.get("product")]
        return " ".join(str(p) for p in parts if p not in (None, "")).strip()
    return str(device or "")


def result_from_analysis(
    job: UploadJob, analysis: dict[str, Any], profile: AthleteProfile | None
) -> AnalysisResult:
    """What gets stored from `fitcoach_analysis.analyze(...)`'s answer."""
    sessions = list(analysis.get("sessions") or [])
    summary = dict(analysis.get("summary") or {})
    start_time = _parse_time(analysis.get("start_time"))
    offset = int(analysis.get("local_offset_s") or 0)
    return AnalysisResult(
        activity_id=job.activity_id,
        user_id=job.user_id,
        analyzer_version=str(analysis["analyzer_version"]),
        sport=str(analysis.get("sport") or ""),
        sub_sport=str(sessions[0].get("sub_sport") or "") if sessions else "",
        start_time=start_time,
        local_offset_s=offset,
        local_date=(start_time + dt.timedelta(seconds=offset)).date() if start_time else None,
        record_count=int(analysis.get("record_count") or 0),
        device=device_name(analysis.get("device")),
        training_load=_number(summary.get("training_load")),
        summary=summary,
        sessions=sessions,
        warnings=list(analysis.get("warnings") or []),
        profile=asdict(profile) if profile is not None else {},
    )


def advice_request(
    result: AnalysisResult, profile: AthleteProfile | None, recent_days: list[FitnessDay]
) -> AdviceRequest:
    """Numbers only: no file name, no device string (they could carry prompt injection)."""
    workout: dict[str, Any] = {"sport": result.sport, "sub_sport": result.sub_sport}
    if result.start_time is not None:
        workout["start_time"] = result.start_time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    for name in _WORKOUT_METRICS:
        value = _number(result.summary.get(name))
        if value is not None:
            workout[name] = value
    zones: list[float] = []
    for session in result.sessions:  # a multisport file: time per zone over all its legs
        for zone in session.get("hr_zones") or []:
            index = int(zone.get("zone", 0)) - 1
            if index >= 0:
                zones.extend([0.0] * (index + 1 - len(zones)))
                zones[index] += _number(zone.get("seconds")) or 0.0
    if zones:
        workout["hr_zone_seconds"] = zones
    athlete: dict[str, Any] = {}
    if profile is not None:
        for name in _ATHLETE_NUMBERS:
            value = _number(getattr(profile, name))
            if value is not None:
                athlete[name] = value
    return AdviceRequest(
        language=(profile.language if profile is not None and profile.language else "en"),
        workout=workout,
        recent_days=[
            {"date": d.date.isoformat(), "load": d.load, "ctl": d.ctl, "atl": d.atl, "tsb": d.tsb}
            for d in recent_days
        ],
        athlete=athlete,
    )


def request_hash(request: AdviceRequest) -> str:
    """Identical inputs → identical hash, so advice is asked for only when its inputs changed."""
    canonical = json.dumps(asdict(request), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AnalysisPipeline:
    """One UploadCompleted event → metrics stored → advice stored. Idempotent per analyzer version."""

    def __init__(
        self,
        repo: Repository,
        reader: ObjectReader,
        worker: DecodeWorker,
        advisor: Advisor,
        *,
        analyzer_version: str,
        history_days: int = 28,
    ) -> None:
        self.repo = repo
        self.reader = reader
        self.worker = worker
        self.advisor = advisor
        self.version = analyzer_version
        self.history_days = history_days

    async def process(self, job: UploadJob, *, final_attempt: bool) -> str:
        """ "analyzed", "failed" (bad file: the caller terminates the event) or "skipped" (already done).

        Infrastructure errors propagate so the caller retries later; nothing here is half-committed.
        """
        claim = await self.repo.claim(job.activity_id, job.user_id, self.version)
        if claim is ClaimOutcome.DONE:
            log.info("already handled by this analyzer version")
            return "skipped"
        # Read once: the analysis and the advice of one delivery see the same profile.
        profile = await self.repo.profile(job.user_id)
        result = None
        if claim is ClaimOutcome.ANALYZE:
            try:
                data = await self.reader.read_verified(job.bucket, job.object_key, job.sha256)
                analysis = await self.worker.analyze(data, profile)
            except FileRejected as exc:
                reason = str(exc)
                await self.repo.mark_failed(job.activity_id, self.version, reason)
                log.info("analysis failed", extra={"fields": {"reason": reason}})
                return "failed"
            analyzed = result_from_analysis(job, analysis, profile)
            # When this version's row already existed it is kept, and the advice must follow the kept one.
            if await self.repo.store_result(analyzed):
                result = analyzed
            log.info(
                "analyzed", extra={"fields": {"sport": analyzed.sport, "records": analyzed.record_count}}
            )
        await self.advise(job, profile, result, final_attempt=final_attempt)
        return "analyzed"

    async def advise(
        self,
        job: UploadJob,
        profile: AthleteProfile | None,
        result: AnalysisResult | None,
        *,
        final_attempt: bool,
    ) -> None:
        """Ask the advisor unless advice for exactly these inputs exists; metrics are already visible.

        `result` is the analysis this delivery just stored; None reads the current one back.
        """
        if result is None:
            result = await self.repo.current_result(job.activity_id)
            if result is None:
                raise RuntimeError("advice requested for an activity without results")
        days = await fitness_days(
            self.repo, job.user_id, result.local_date or dt.datetime.now(dt.UTC).date(), self.history_days
        )
        request = advice_request(result, profile, days)
        digest = request_hash(request)
        if await self.repo.advice_by_hash(job.activity_id, digest) is not None:
            log.info("advice for these inputs exists; not asking again")
            await self.repo.mark_advice_ready(job.activity_id)
            return
        try:
            advice = await self.advisor.generate(request, digest)
        except AdvisorUnavailable as exc:
            if not final_attempt:
                raise
            await self.repo.mark_advice_failed(job.activity_id, str(exc))
            log.warning("advice failed", extra={"fields": {"error": str(exc)}})
            return
        await self.repo.store_advice(job.activity_id, job.user_id, advice)
        log.info("advice stored", extra={"fields": {"engine": advice.engine}})


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


@dataclass(frozen=True)
class ProfileLimits:
    """Plausible ranges: a typo (1900 bpm) must not silently wreck every zone and load."""

    max_hr_bpm: tuple[float, float] = (100.0, 250.0)
    rest_hr_bpm: tuple[float, float] = (25.0, 120.0)
    threshold_hr_bpm: tuple[float, float] = (80.0, 240.0)
    ftp_w: tuple[float, float] = (30.0, 2000.0)
    threshold_pace_s_per_km: tuple[float, float] = (120.0, 1200.0)
    critical_power_w: tuple[float, float] = (50.0, 700.0)
    w_prime_j: tuple[float, float] = (1000.0, 60000.0)


def validate_profile(profile: AthleteProfile) -> AthleteProfile:
    limits = ProfileLimits()
    problems = []
    for name, (low, high) in asdict(limits).items():
        value = getattr(profile, name)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            problems.append(f"{name} must be between {low:g} and {high:g}")
    if (
        profile.max_hr_bpm is not None
        and profile.rest_hr_bpm is not None
        and profile.rest_hr_bpm >= profile.max_hr_bpm
    ):
        problems.append("rest_hr_bpm must be below max_hr_bpm")
    if (
        profile.max_hr_bpm is not None
        and profile.threshold_hr_bpm is not None
        and profile.threshold_hr_bpm > profile.max_hr_bpm
    ):
        problems.append("threshold_hr_bpm must not exceed max_hr_bpm")
    if profile.language not in ("", "en", "ko"):
        problems.append("language must be en or ko")
    if profile.sex not in (None, "male", "female"):
        problems.append("sex must be male or female")
    if problems:
        raise InvalidArgument("; ".join(problems))
    return profile


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

    async def list(self, user_id: str, page_size: int, page_token: str) -> tuple[list[ActivityRecord], str]:
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        size = page_size or DEFAULT_PAGE_SIZE
        cursor = decode_cursor(page_token) if page_token else None
        # One extra row tells whether another page exists without a count query.
        rows = await self.repo.list_activities(user_id, size + 1, cursor)
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


class ProfileService:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def get(self, user_id: str) -> AthleteProfile:
        return await self.repo.profile(user_id) or AthleteProfile(language="")

    async def update(self, user_id: str, profile: AthleteProfile) -> AthleteProfile:
        await self.repo.save_profile(user_id, validate_profile(profile))
        return await self.get(user_id)


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
