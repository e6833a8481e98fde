"""The analyzer's half of OpsService: replay, dead letters, statistics and cost (the upload service serves
the migration). Only operators get here: the server's interceptor checks and logs every call
(fitcoach_runtime.grpc_server.OPERATOR_SERVICES)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator
from dataclasses import asdict, fields

from fitcoach.ops.v1 import ops_service_pb2 as pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as pb_grpc
from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.grpc_server import ServicerContext
from google.protobuf.timestamp_pb2 import Timestamp

from .dashboard import Assumptions, Dashboard
from .ops_repository import Delays
from .replay import ReplayProgress, ReplayRequest, Reprocessing

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["OpsService"].full_name
_PHASES = {
    "scanning": pb.REPLAY_PHASE_SCANNING,
    "running": pb.REPLAY_PHASE_RUNNING,
    "done": pb.REPLAY_PHASE_DONE,
}
_ASSUMPTIONS = [f.name for f in fields(Assumptions)]  # each also a GetStorageCostRequest field
DEFAULT_DEAD_LETTER_PAGE = 50
MAX_DEAD_LETTER_PAGE = 500


def progress_message(progress: ReplayProgress) -> pb.ReplayProgress:
    failures = progress.failures if progress.final else []  # the list travels once, on the last message
    return pb.ReplayProgress(
        replay_id=progress.replay_id,
        phase=_PHASES[progress.phase],
        scanned=progress.scanned,
        matched=progress.matched,
        done=progress.done,
        skipped=progress.skipped,
        failed=progress.failed,
        rate_per_s=progress.rate_per_s,
        eta_s=progress.eta_s,
        first_sequence=progress.first_sequence,
        last_sequence=progress.last_sequence,
        dry_run=progress.dry_run,
        final=progress.final,
        failures=[
            pb.ReplayFailure(activity_id=f.activity_id, sequence=f.sequence, reason=f.reason)
            for f in failures
        ],
        advice_requested=progress.advice_requested,
        elapsed_s=progress.elapsed_s,
    )


def _time(message: pb.ReplayRequest, name: str) -> dt.datetime | None:
    if not message.HasField(name):
        return None
    stamp: Timestamp = getattr(message, name)
    try:
        return stamp.ToDatetime(dt.UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(f"{name} is not a valid time") from None


def replay_request(message: pb.ReplayRequest) -> ReplayRequest:
    return ReplayRequest(
        start_sequence=message.start_sequence,
        start_time=_time(message, "start_time"),
        end_sequence=message.end_sequence,
        end_time=_time(message, "end_time"),
        user_ids=frozenset(u.strip().lower() for u in message.user_ids),
        activity_ids=frozenset(a.strip().lower() for a in message.activity_ids),
        failed_only=message.failed_only,
        older_version_only=message.older_version_only,
        force=message.force,
        dry_run=message.dry_run,
    )


def delay_message(delays: Delays) -> pb.DelayStats:
    return pb.DelayStats(**asdict(delays))


def _set_time(stamp: Timestamp, value: dt.datetime | None) -> None:
    if value is not None:
        stamp.FromDatetime(value)


class AnalyzerOpsServicer(pb_grpc.OpsServiceServicer):
    def __init__(self, reprocessing: Reprocessing, dashboard: Dashboard) -> None:
        self.reprocessing = reprocessing
        self.dashboard = dashboard

    async def Replay(
        self, request: pb.ReplayRequest, context: ServicerContext
    ) -> AsyncIterator[pb.ReplayResponse]:
        async for progress in self.reprocessing.replay(replay_request(request)):
            yield pb.ReplayResponse(progress=progress_message(progress))

    async def ListDeadLetters(
        self, request: pb.ListDeadLettersRequest, context: ServicerContext
    ) -> pb.ListDeadLettersResponse:
        if not 0 <= request.page_size <= MAX_DEAD_LETTER_PAGE:
            raise InvalidArgument(f"page_size must be between 1 and {MAX_DEAD_LETTER_PAGE}")
        size = request.page_size or DEFAULT_DEAD_LETTER_PAGE
        before = None
        if request.page_token:
            try:
                before = int(request.page_token)
            except ValueError:
                raise InvalidArgument("page_token is not a token this service issued") from None
            if not 0 < before < 2**63:
                raise InvalidArgument("page_token is not a token this service issued")
        rows = await self.reprocessing.ops.dead_letters(size + 1, before, request.include_resolved)
        page = rows[:size]
        letters = []
        for row in page:
            letter = row.letter
            message = pb.DeadLetter(
                id=row.id,
                stream=letter.stream,
                stream_sequence=letter.stream_seq,
                subject=letter.subject,
                activity_id=letter.activity_id,
                user_id=letter.user_id,
                num_delivered=letter.num_delivered,
                error=letter.error,
                resolution=row.resolution,
            )
            _set_time(message.created_at, row.created_at)
            _set_time(message.resolved_at, row.resolved_at)
            letters.append(message)
        return pb.ListDeadLettersResponse(
            dead_letters=letters,
            next_page_token=str(page[-1].id) if len(rows) > size else "",
            unresolved=await self.reprocessing.ops.unresolved_dead_letter_count(),
        )

    async def RedriveDeadLetters(
        self, request: pb.RedriveDeadLettersRequest, context: ServicerContext
    ) -> AsyncIterator[pb.RedriveDeadLettersResponse]:
        if request.all == bool(request.ids):
            raise InvalidArgument("name dead letter ids, or set all (not both)")
        ids = None if request.all else list(dict.fromkeys(request.ids))
        async for progress in self.reprocessing.redrive(ids):
            yield pb.RedriveDeadLettersResponse(progress=progress_message(progress))

    async def GetPipelineStats(
        self, request: pb.GetPipelineStatsRequest, context: ServicerContext
    ) -> pb.GetPipelineStatsResponse:
        window = None
        if request.HasField("window"):
            seconds = request.window.seconds + request.window.nanos / 1e9
            if not 0 < seconds <= 366 * 86400 or abs(request.window.nanos) > 999_999_999:
                raise InvalidArgument("window must be more than 0 and at most 366 days")
            window = dt.timedelta(seconds=seconds)
        stats = await self.dashboard.stats(window)
        response = pb.GetPipelineStatsResponse(
            statuses=[pb.StatusCount(status=s, count=n, avg_size_kb=kb) for s, n, kb in stats.statuses],
            analysis_delay=delay_message(stats.delays["analysis_delay"]),
            queue_delay=delay_message(stats.delays["queue_delay"]),
            analysis_time=delay_message(stats.delays["analysis_time"]),
            advice_time=delay_message(stats.delays["advice_time"]),
            queue=pb.QueueDepth(**asdict(stats.queue)),
            outbox_backlog=stats.outbox_backlog,
            outbox_oldest_age_s=stats.outbox_oldest_age_s,
            dead_letters=stats.dead_letters,
            top_failures=[pb.FailureCount(reason=r, count=n) for r, n in stats.top_failures],
            stored_objects=stats.stored_objects,
            stored_bytes=stats.stored_bytes,
            analyzer_version=stats.analyzer_version,
            analysis_delay_histogram=[
                pb.DelayBucket(le_s=bound, count=n) for bound, n in stats.delay_histogram
            ],
        )
        response.window.FromTimedelta(stats.window)
        response.generated_at.FromDatetime(stats.generated_at)
        return response

    async def GetStorageCost(
        self, request: pb.GetStorageCostRequest, context: ServicerContext
    ) -> pb.GetStorageCostResponse:
        # Each assumption the request leaves unset keeps its default.
        assumptions = Assumptions(
            **{name: getattr(request, name) for name in _ASSUMPTIONS if request.HasField(name)}
        )
        if not all(math.isfinite(v) for v in vars(assumptions).values()):
            raise InvalidArgument("per-user assumptions must be finite numbers")
        cost = await self.dashboard.cost(request.month.strip(), request.users, assumptions)
        u, p, prices = cost.usage, cost.projection, cost.prices
        return pb.GetStorageCostResponse(
            month=cost.month,
            prices=pb.StoragePrices(
                storage_gb_month=prices.storage_gb_month,
                class_a_per_million=prices.class_a_per_million,
                class_b_per_million=prices.class_b_per_million,
            ),
            usage=pb.StorageUsage(
                stored_objects=u.stored_objects,
                stored_bytes=u.stored_bytes,
                gb_months_to_date=u.gb_months_to_date,
                gb_months_projected=u.gb_months_projected,
                class_a_operations=u.class_a,
                class_b_operations=u.class_b,
                free_operations=u.free,
                operations=u.operations,
                storage_cost=u.storage_cost,
                class_a_cost=u.class_a_cost,
                class_b_cost=u.class_b_cost,
                total_cost=u.total_cost,
            ),
            projection=pb.CostProjection(
                users=p.users,
                uploads_per_user=p.assumptions.uploads_per_user,
                downloads_per_user=p.assumptions.downloads_per_user,
                stored_mb_per_user=p.assumptions.stored_mb_per_user,
                storage_cost=p.storage_cost,
                upload_cost=p.upload_cost,
                download_cost=p.download_cost,
                total_cost=p.total_cost,
                measured_stored_mb_per_user=p.measured_stored_mb_per_user,
                measured_uploads_per_user=p.measured_uploads_per_user,
            ),
        )
