"""Analyzing an uploaded file and advising on it: one UploadCompleted event → metrics stored → advice stored.

No gRPC, NATS or SQL here: the consumer translates events, the repository stores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fitcoach_analysis.load import FitnessDay, TrainingHistory
from fitcoach_analysis.profile import AthleteProfile
from prometheus_client import Histogram

from .domain import (
    ActivityBusy,
    AdviceRecord,
    AdviceRequest,
    AdvisorUnavailable,
    AnalysisBug,
    AnalysisResult,
    ClaimOutcome,
    FailureKind,
    FileRejected,
    UploadJob,
)
from .lease import Lease
from .priority import PriorityGate
from .trends import fitness_days_and_history

if TYPE_CHECKING:
    from .objects import ObjectReader
    from .repository import Repository
    from .worker import DecodePool

log = logging.getLogger(__name__)

# The workout numbers the advisor may see, all taken from the activity summary (MetricSet names).
_WORKOUT_METRICS = (
    "distance_m", "timer_time_s", "moving_time_s", "avg_speed_mps", "avg_hr_bpm", "max_hr_bpm", "ascent_m",
    "avg_power_w", "normalized_power_w", "training_load", "decoupling_pct", "intensity_factor",
    "max_depth_m", "avg_depth_m", "bottom_time_s", "surface_interval_s",
)  # fmt: skip
_WORKOUT_COUNTS = ("dive_count",)
# The advisor speaks of moving time and of the pace over it: its avg_speed_mps is the athlete's moving pace
# (MetricSet moving_speed_mps), not the device's average over timer time, when the analysis has it.
_ADVISED_SPEED = ("moving_speed_mps", "avg_speed_mps")
_ATHLETE_NUMBERS = ("max_hr_bpm", "rest_hr_bpm", "threshold_hr_bpm", "ftp_w")
# What the athlete reads when our code, not the file, failed (operators see the details).
INTERNAL_ERROR_REASON = (
    "FitCoach could not analyze this file because of an error on our side, not in your file; "
    "it will be analyzed again once the error is fixed"
)


# Live events only (a replay's delays say nothing about what athletes wait for). Buckets from tens of
# milliseconds (an idle pipeline) to an hour (a backlog after an outage).
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
ANALYSIS_DELAY = Histogram(
    "fitcoach_analysis_delay_seconds", "Upload verified → metrics stored (live events)", buckets=DELAY_BUCKETS
)
STAGE_SECONDS = Histogram(
    "fitcoach_pipeline_stage_seconds",
    "Per stage: queue (upload verified → analysis start), analysis, advice (live events)",
    ["stage"],
    buckets=DELAY_BUCKETS,
)


def observe_since_upload(histogram: Histogram, job: UploadJob) -> None:
    if job.uploaded_at is not None:
        histogram.observe(max(0.0, (dt.datetime.now(dt.UTC) - job.uploaded_at).total_seconds()))


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
    result: AnalysisResult,
    profile: AthleteProfile | None,
    recent_days: list[FitnessDay],
    history: TrainingHistory,
) -> AdviceRequest:
    """Numbers only: no file name, no device string (they could carry prompt injection)."""
    workout: dict[str, Any] = {"sport": result.sport, "sub_sport": result.sub_sport}
    if result.start_time is not None:
        workout["start_time"] = result.start_time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    for name in _WORKOUT_METRICS:
        value = _number(result.summary.get(name))
        if value is not None:
            workout[name] = value
    speed = next((v for k in _ADVISED_SPEED if (v := _number(result.summary.get(k))) is not None), None)
    if speed is not None:
        workout["avg_speed_mps"] = speed
    for name in _WORKOUT_COUNTS:
        value = _number(result.summary.get(name))
        if value is not None:
            workout[name] = round(value)
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
        history={k: v for k, v in asdict(history).items() if v is not None},
    )


def request_hash(request: AdviceRequest) -> str:
    """Identical inputs → identical hash, so advice is asked for only when its inputs changed."""
    canonical = json.dumps(asdict(request), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# The outcomes where the file failed to analyze (rejected, or our code failed on it): retrying the same file
# with the same code cannot help, so the event is terminated, not redelivered.
FAILED_OUTCOMES = ("failed", "internal_error")


@dataclass(frozen=True)
class Processed:
    """What handling one event did: "analyzed", "failed" (the file was rejected: `reason`), "internal_error"
    (our code failed on the file) or "skipped"."""

    outcome: str
    advice_requested: bool = False  # the advisor was asked (the advice inputs were new)
    reason: str = ""


class AnalysisPipeline:
    """One UploadCompleted event → metrics stored → advice stored. Idempotent per analyzer version.

    Live events (`process`) and an operator's reprocessing (`reprocess`) take the same path; a PriorityGate
    keeps reprocessing out of the way of live events."""

    def __init__(
        self,
        repo: Repository,
        reader: ObjectReader,
        worker: DecodePool,
        advisor: Advisor,
        *,
        analyzer_version: str,
        history_days: int = 28,
        lease_s: float = 30.0,
        gate: PriorityGate | None = None,
    ) -> None:
        self.repo = repo
        self.reader = reader
        self.worker = worker
        self.advisor = advisor
        self.version = analyzer_version
        self.history_days = history_days
        self.lease_s = lease_s
        self.gate = gate or PriorityGate()

    async def process(self, job: UploadJob, *, final_attempt: bool) -> str:
        """ "analyzed", "failed" (bad file: the caller terminates the event), "internal_error" (our code failed
        on the file: terminated too; a later delivery or a replay analyzes it again) or "skipped" (done).

        ActivityBusy when another delivery is at work on the activity; infrastructure errors propagate. Either
        way the caller retries later; nothing here is half-committed.
        """
        async with self.gate.live():
            return (await self._handle(job, final_attempt=final_attempt, force=False, live=True)).outcome

    async def reprocess(self, job: UploadJob, *, force: bool) -> Processed:
        """An operator's replay or re-drive of an event, behind live work. `force` analyzes again what this
        version already settled (and replaces its result); advice is still only asked for new inputs.
        ActivityBusy and infrastructure errors propagate (the caller retries, then dead-letters)."""
        async with self.gate.background():
            return await self._handle(job, final_attempt=True, force=force, live=False)

    async def _handle(self, job: UploadJob, *, final_attempt: bool, force: bool, live: bool) -> Processed:
        asked = time.monotonic()
        claim = await self.repo.claim(job.activity_id, job.user_id, self.version, self.lease_s, force=force)
        if claim.outcome is ClaimOutcome.DELETED:
            log.info("activity was deleted by its owner; nothing to do")
            return Processed("skipped")
        if claim.outcome is ClaimOutcome.DONE:
            log.info("already handled by this analyzer version")
            return Processed("skipped")
        if claim.outcome is ClaimOutcome.BUSY:
            log.info("another delivery is working on this activity")
            raise ActivityBusy(claim.retry_in_s)
        async with Lease(self.repo, job.activity_id, claim.token, self.lease_s, claimed_at=asked) as lease:
            # Read once: the analysis and the advice of one delivery see the same profile.
            if live and claim.outcome is ClaimOutcome.ANALYZE:
                observe_since_upload(STAGE_SECONDS.labels("queue"), job)
            profile = await self.repo.profile(job.user_id)
            result = None
            if claim.outcome is ClaimOutcome.ANALYZE:
                try:
                    data = await self.reader.read_verified(job.bucket, job.object_key, job.sha256)
                    analysis = await self.worker.analyze(data, profile)
                except FileRejected as exc:
                    reason = str(exc)
                    await self.repo.mark_failed(
                        job.activity_id, self.version, lease.token, FailureKind.BAD_FILE, reason
                    )
                    log.info("analysis failed", extra={"fields": {"reason": reason}})
                    return Processed("failed", reason=reason)
                except AnalysisBug as exc:
                    await self.repo.mark_failed(
                        job.activity_id, self.version, lease.token, FailureKind.INTERNAL_ERROR,
                        INTERNAL_ERROR_REASON, str(exc),
                    )  # fmt: skip
                    log.error("analysis failed: internal error", extra={"fields": {"error": str(exc)}})
                    return Processed("internal_error", reason=INTERNAL_ERROR_REASON)
                analyzed = result_from_analysis(job, analysis, profile)
                # When this version's row already existed it is kept, and the advice must follow the kept one.
                if await self.repo.store_result(analyzed, lease.token, replace=force):
                    result = analyzed
                if live:
                    STAGE_SECONDS.labels("analysis").observe(time.monotonic() - asked)
                    observe_since_upload(ANALYSIS_DELAY, job)
                log.info(
                    "analyzed", extra={"fields": {"sport": analyzed.sport, "records": analyzed.record_count}}
                )
            advising = time.monotonic()
            advice_requested = await self.advise(job, profile, result, lease, final_attempt=final_attempt)
            if live:
                STAGE_SECONDS.labels("advice").observe(time.monotonic() - advising)
        return Processed("analyzed", advice_requested=advice_requested)

    async def advise(
        self,
        job: UploadJob,
        profile: AthleteProfile | None,
        result: AnalysisResult | None,
        lease: Lease,
        *,
        final_attempt: bool,
    ) -> bool:
        """Ask the advisor unless advice for exactly these inputs exists; metrics are already visible. True
        when the advisor was asked.

        `result` is the analysis this delivery just stored; None reads the current one back.
        """
        if result is None:
            result = await self.repo.current_result(job.activity_id)
            if result is None:
                raise RuntimeError("advice requested for an activity without results")
        # The workout's day and the `history_days` before it: "28 days ago" is in the window.
        days, history = await fitness_days_and_history(
            self.repo, job.user_id, result.local_date or dt.datetime.now(dt.UTC).date(), self.history_days
        )
        request = advice_request(result, profile, days, history)
        digest = request_hash(request)
        if await self.repo.advice_by_hash(job.activity_id, digest) is not None:
            log.info("advice for these inputs exists; not asking again")
            await self.repo.mark_advice_ready(job.activity_id, lease.token)
            return False
        lease.check()  # never two advisor calls for one activity: only while surely the lease holder
        try:
            advice = await self.advisor.generate(request, digest)
        except AdvisorUnavailable as exc:
            if not final_attempt:
                raise
            await self.repo.mark_advice_failed(job.activity_id, lease.token, str(exc))
            log.warning("advice failed", extra={"fields": {"error": str(exc)}})
            return True
        await self.repo.store_advice(job.activity_id, advice, lease.token)
        log.info("advice stored", extra={"fields": {"engine": advice.engine}})
        return True
