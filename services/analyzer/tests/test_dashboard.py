"""The operators' figures on the real analyzer: GetPipelineStats (the original design's two monitoring
queries and more) and GetStorageCost (its R2 cost model, fed with what was stored and counted)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from analyzer_service.dashboard import Assumptions, Prices, project
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach_analysis import ANALYZER_VERSION
from fitcoach_runtime.storage_usage import month_start
from google.protobuf.duration_pb2 import Duration

if TYPE_CHECKING:
    from conftest import Harness

ORIGINAL_PRICES = Prices(storage_gb_month=0.015, class_a_per_million=4.50, class_b_per_million=0.36)


def test_the_projection_reproduces_the_original_designs_table() -> None:
    storage, uploads, downloads = project(1000, Assumptions(), ORIGINAL_PRICES)
    assert (round(storage, 2), round(uploads, 2), round(downloads, 2)) == (0.75, 0.14, 0.04)
    assert round(storage + uploads + downloads) == 1  # "about $1 per month"
    assert project(10_000, Assumptions(), ORIGINAL_PRICES)[0] == pytest.approx(7.5)


async def test_stats_count_statuses_delays_failures_queue_and_storage(
    analyzer: Harness, fit_file: Any
) -> None:
    good = [
        await analyzer.submit(fit_file(name)) for name in ("run-fenix2-gps-hr.fit", "cycle-zwift-virtual.fit")
    ]
    broken = await analyzer.submit(fit_file("broken-not-a-fit.fit"))
    pending = await analyzer.add_upload(b"never uploaded", status="pending", put=False)
    for upload in [*good, broken]:
        await analyzer.settled(upload.activity_id)

    stats = await analyzer.ops.GetPipelineStats(
        ops_pb.GetPipelineStatsRequest(), metadata=analyzer.operator()
    )
    assert stats.window.ToTimedelta() == dt.timedelta(days=7)
    assert stats.analyzer_version == ANALYZER_VERSION
    by_status = {s.status: s for s in stats.statuses}
    assert (by_status["analyzed"].count, by_status["failed"].count, by_status["pending"].count) == (2, 1, 1)
    sizes = [g.size for g in good]
    assert by_status["analyzed"].avg_size_kb == pytest.approx(sum(sizes) / 2 / 1024)
    assert by_status["pending"].avg_size_kb == pytest.approx(pending.size / 1024)
    # Analysis delay of the two analyzed (the failed one never got metrics); stages in order of the pipeline.
    delay = stats.analysis_delay
    assert delay.count == 2 and 0 < delay.p50_s <= delay.p95_s <= delay.max_s and delay.avg_s <= delay.max_s
    assert stats.queue_delay.count == 3 and stats.analysis_time.count == 2 and stats.advice_time.count == 2
    assert stats.queue_delay.max_s <= delay.max_s
    assert sum(b.count for b in stats.analysis_delay_histogram) == 2
    assert stats.analysis_delay_histogram[-1].le_s == float("inf")
    [failure] = stats.top_failures
    assert (
        failure.count == 1 and failure.reason == (await analyzer.state(broken.activity_id))["failure_reason"]
    )
    assert (
        stats.queue.consumer == "analyzer"
        and stats.queue.pending == 0
        and stats.queue.stream_last_sequence == 3
    )
    assert (stats.stored_objects, stats.stored_bytes) == (3, sum(sizes) + broken.size)
    assert (stats.outbox_backlog, stats.dead_letters) == (0, 0)

    # The window: activities uploaded before it are not in the delays (nor their failures).
    await analyzer.pool.execute("UPDATE upload.activities SET uploaded_at = uploaded_at - interval '2 days'")
    await analyzer.pool.execute("UPDATE analyzer.activities SET failed_at = failed_at - interval '2 days'")
    recent = await analyzer.ops.GetPipelineStats(
        ops_pb.GetPipelineStatsRequest(window=Duration(seconds=86400)), metadata=analyzer.operator()
    )
    assert (recent.analysis_delay.count, list(recent.top_failures)) == (0, [])
    assert sum(s.count for s in recent.statuses) == 4  # status counts are all-time


@pytest.mark.parametrize("seconds", [-1, 0, 367 * 86400])
async def test_a_window_out_of_range_is_invalid(analyzer: Harness, seconds: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await analyzer.ops.GetPipelineStats(
            ops_pb.GetPipelineStatsRequest(window=Duration(seconds=seconds)), metadata=analyzer.operator()
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_cost_from_what_was_stored_and_counted(analyzer: Harness, fit_file: Any) -> None:
    uploads = [
        await analyzer.submit(fit_file(name)) for name in ("run-fenix2-gps-hr.fit", "cycle-zwift-virtual.fit")
    ]
    for upload in uploads:
        await analyzer.settled(upload.activity_id)
    month = month_start(dt.datetime.now(dt.UTC))
    # What the upload service counted (its own table): two presigned PUTs verified, two HEADs, a DELETE.
    await analyzer.pool.executemany(
        "INSERT INTO upload.storage_operations (month, operation, count) VALUES ($1, $2, $3)",
        [(month, "PutObject", 2), (month, "HeadObject", 2), (month, "DeleteObject", 1)],
    )
    meta = analyzer.operator()
    deadline = time.monotonic() + 20
    while True:  # the analyzer's own GETs reach its table within its flush interval (5 s)
        cost = await analyzer.ops.GetStorageCost(ops_pb.GetStorageCostRequest(), metadata=meta)
        if cost.usage.operations.get("GetObject", 0) >= 2 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    usage = cost.usage
    assert cost.month == month.strftime("%Y-%m")
    assert usage.operations["GetObject"] == 2 and usage.operations["PutObject"] == 2
    assert (usage.class_a_operations, usage.class_b_operations, usage.free_operations) == (2, 4, 1)
    assert usage.class_a_cost == pytest.approx(2 * 4.50 / 1e6)
    assert usage.class_b_cost == pytest.approx(4 * 0.36 / 1e6)
    assert (usage.stored_objects, usage.stored_bytes) == (2, sum(u.size for u in uploads))
    assert 0 <= usage.gb_months_to_date < usage.gb_months_projected
    assert usage.storage_cost == pytest.approx(usage.gb_months_projected * 0.015)
    assert usage.total_cost == pytest.approx(usage.storage_cost + usage.class_a_cost + usage.class_b_cost)
    # The projection: the original design's table for 1,000 users, with today's measurements beside it.
    p = cost.projection
    assert (p.users, round(p.storage_cost, 2), round(p.upload_cost, 2), round(p.download_cost, 2)) == (
        1000, 0.75, 0.14, 0.04
    )  # fmt: skip
    assert p.measured_uploads_per_user == 1.0
    assert (cost.prices.storage_gb_month, cost.prices.class_a_per_million) == (0.015, 4.50)

    custom = await analyzer.ops.GetStorageCost(
        ops_pb.GetStorageCostRequest(users=50_000, uploads_per_user=60, stored_mb_per_user=0), metadata=meta
    )
    assert custom.projection.storage_cost == 0 and custom.projection.upload_cost == pytest.approx(13.5)
    # A past month has no operations and no projected growth.
    old = await analyzer.ops.GetStorageCost(ops_pb.GetStorageCostRequest(month="2020-01"), metadata=meta)
    assert (old.usage.class_a_operations, old.usage.gb_months_to_date, old.usage.gb_months_projected) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    "request_fields",
    [
        {"month": "2026-13"},
        {"month": "last month"},
        {"users": -5},
        {"uploads_per_user": float("nan")},
        {"downloads_per_user": -1.0},
    ],
)
async def test_bad_cost_requests_are_invalid(analyzer: Harness, request_fields: dict[str, Any]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await analyzer.ops.GetStorageCost(
            ops_pb.GetStorageCostRequest(**request_fields), metadata=analyzer.operator()
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_athletes_get_no_figures(analyzer: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await analyzer.ops.GetPipelineStats(
            ops_pb.GetPipelineStatsRequest(), metadata=analyzer.token(str(uuid.uuid4()))
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
