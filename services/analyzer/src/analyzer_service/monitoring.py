"""The dashboard's figures on the analyzer's /metrics: the stats RPC's numbers as gauges, recomputed every
METRICS_REFRESH_S. Delays as latency histograms are observed live by the pipeline
(fitcoach_analysis_delay_seconds, fitcoach_pipeline_stage_seconds); the outbox and stored objects are the
upload service's gauges, which owns them."""

from __future__ import annotations

from prometheus_client import Gauge

from .dashboard import Dashboard

ACTIVITIES = Gauge("fitcoach_activities", "Activities by effective status", ["status"])
AVG_SIZE_KB = Gauge("fitcoach_activity_avg_size_kb", "Average file size by effective status, KB", ["status"])
DELAY = Gauge(
    "fitcoach_window_delay_seconds",
    "First-analysis delays of the last 7 days by stage and statistic",
    ["stage", "stat"],
)
QUEUE = Gauge(
    "fitcoach_queue_events", "The analyzer consumer's queue: pending, ack_pending, redelivered", ["state"]
)
STREAM_MESSAGES = Gauge("fitcoach_stream_messages", "Upload events held by the stream (replayable history)")
DEAD_LETTERS = Gauge("fitcoach_dead_letters", "Dead letters not re-driven yet")
FAILURES = Gauge("fitcoach_failures", "Activities failed in the last 7 days, top 10 reasons", ["reason"])
STATUSES = ("pending", "uploaded", "analyzing", "analyzed", "failed", "duplicate")


async def refresh_gauges(dashboard: Dashboard) -> None:
    stats = await dashboard.stats()
    counts = {status: (count, kb) for status, count, kb in stats.statuses}
    for status in sorted(set(STATUSES) | set(counts)):
        count, kb = counts.get(status, (0, 0.0))
        ACTIVITIES.labels(status).set(count)
        AVG_SIZE_KB.labels(status).set(kb)
    for stage, delays in stats.delays.items():
        for stat in ("avg_s", "p50_s", "p95_s", "max_s"):
            DELAY.labels(stage, stat.removesuffix("_s")).set(getattr(delays, stat))
    QUEUE.labels("pending").set(stats.queue.pending)
    QUEUE.labels("ack_pending").set(stats.queue.ack_pending)
    QUEUE.labels("redelivered").set(stats.queue.redelivered)
    STREAM_MESSAGES.set(stats.queue.stream_messages)
    DEAD_LETTERS.set(stats.dead_letters)
    FAILURES.clear()  # the top 10 changes: old reasons must not linger
    for reason, count in stats.top_failures:
        FAILURES.labels(reason[:200]).set(count)
