"""Wiring only: settings → resources → consumer + gRPC server."""

from __future__ import annotations

import os

from fitcoach.activity.v1 import activity_service_pb2, activity_service_pb2_grpc
from fitcoach.advisor.v1 import advisor_service_pb2
from fitcoach.ops.v1 import ops_service_pb2_grpc
from fitcoach.upload.v1 import upload_service_pb2
from fitcoach_analysis import ANALYZER_VERSION
from fitcoach_runtime.auth import TokenVerifier
from fitcoach_runtime.db import apply_migrations, create_pool
from fitcoach_runtime.events import connect_nats
from fitcoach_runtime.grpc_client import insecure_channel
from fitcoach_runtime.grpc_server import (
    GrpcService,
    RunningServer,
    ServiceResources,
    main_entry,
    run_service,
)
from fitcoach_runtime.settings import load_settings
from fitcoach_runtime.storage import s3_client
from fitcoach_runtime.storage_usage import StorageOperations

from . import ops_servicer
from .activities import ActivityQueries
from .advisor_client import GrpcAdvisor
from .consumer import UploadConsumer
from .dashboard import Dashboard, Prices
from .history import EventHistory
from .monitoring import refresh_gauges
from .notifier import ActivityNotifier
from .objects import ObjectReader
from .ops_repository import OpsRepository
from .pipeline import AnalysisPipeline
from .priority import PriorityGate
from .profiles import ProfileService
from .purge import DeletedActivityPurger
from .replay import Reprocessing
from .repository import Repository, pool_init
from .servicer import ActivityServicer
from .settings import AnalyzerSettings
from .trends import TrendService
from .worker import AnalysisCode, DecodePool, WorkerLimits

SERVICE_NAME = activity_service_pb2.DESCRIPTOR.services_by_name["ActivityService"].full_name
# The gateway sends all reflection to the analyzer (Envoy cannot merge answers from several upstreams), so it
# describes every FitCoach service: `grpcurl`/`buf curl --list-services` through the gateway sees them all.
REFLECTED_SERVICES = (
    SERVICE_NAME,
    upload_service_pb2.DESCRIPTOR.services_by_name["UploadService"].full_name,
    advisor_service_pb2.DESCRIPTOR.services_by_name["AdvisorService"].full_name,
    ops_servicer.SERVICE_NAME,
)
# Storage request counts reach PostgreSQL this often (a crash loses at most this much of them).
STORAGE_COUNTS_FLUSH_S = 5.0


async def build(
    resources: ServiceResources, settings: AnalyzerSettings, *, analysis_code: AnalysisCode | None = None
) -> RunningServer:
    """analysis_code: what the decode workers run; only tests pass one (hostile stand-ins), the service
    always runs the real analysis library."""
    # Keep BLAS in the decode workers single-threaded: they are one process per core already.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    decode = settings.decode
    workers = DecodePool(
        WorkerLimits(decode.timeout_s, decode.memory_mb, decode.stream_points, decode.worker_max_jobs),
        decode.pool_size,
        analysis_code,
    )
    await workers.start()
    resources.push_async_callback(workers.close)

    pool = await create_pool(settings.database, init=pool_init())
    resources.push_async_callback(pool.close)
    await apply_migrations(pool, "analyzer", "analyzer_service")
    repo = Repository(pool)

    notifier = ActivityNotifier(settings.database.url)
    await notifier.start()
    resources.push_async_callback(notifier.stop)

    s3 = await resources.enter_async_context(s3_client(settings.storage))
    operations = StorageOperations(pool, "analyzer")
    operations.attach(s3)
    resources.push_async_callback(operations.flush)  # before the pool closes: the last counts are kept
    resources.run_every(STORAGE_COUNTS_FLUSH_S, operations.flush, "storage-operation-counts")
    channel = insecure_channel(settings.advisor.addr)
    resources.push_async_callback(channel.close)
    advisor = GrpcAdvisor(
        channel,
        token=settings.advisor.service_token,
        timeout_s=settings.advisor.timeout_s,
        attempts=settings.advisor.attempts,
    )
    pipeline = AnalysisPipeline(
        repo,
        ObjectReader(s3, settings.decode.max_bytes),
        workers,
        advisor,
        analyzer_version=ANALYZER_VERSION,
        history_days=settings.advisor.history_days,
        gate=PriorityGate(),
        lease_s=settings.consumer.lease_s,
    )

    nc = await connect_nats(settings.nats, "analyzer")
    resources.push_async_callback(nc.drain)
    if settings.consumer.enabled:
        consumer = UploadConsumer(
            nc.jetstream(),
            settings.nats.stream,
            settings.consumer,
            lambda job, final: pipeline.process(job, final_attempt=final),
            lambda letter, fail: repo.write_dead_letter(letter, fail_activity=fail),
            stream_replicas=settings.nats.stream_replicas,
        )
        await consumer.start()
        # Registered after the NATS connection, so it runs first: in-flight events finish (or are left
        # unacked for redelivery) before the connection drains.
        resources.on_shutdown(consumer.stop, settings.server.shutdown_grace_s)

    purger = DeletedActivityPurger(repo, interval_s=settings.deleted_purge_interval_s)
    resources.run_in_background(purger.run(), "deleted-purger")

    history = EventHistory(nc.jetstream(), settings.nats.stream, settings.consumer.durable)
    ops = OpsRepository(pool)
    reprocessing = Reprocessing(
        pipeline,
        history,
        ops,
        lambda letter, fail: repo.write_dead_letter(letter, fail_activity=fail),
        stream=settings.nats.stream,
        concurrency=settings.ops.replay_concurrency,
    )
    dashboard = Dashboard(
        ops,
        history,
        analyzer_version=ANALYZER_VERSION,
        prices=Prices(
            settings.ops.price_storage_gb_month,
            settings.ops.price_class_a_per_million,
            settings.ops.price_class_b_per_million,
        ),
    )
    if settings.server.metrics_listen:
        resources.run_every(
            settings.server.metrics_refresh_s, lambda: refresh_gauges(dashboard), "prometheus-gauges"
        )

    servicer = ActivityServicer(
        ActivityQueries(
            repo,
            notifier,
            poll_s=settings.watch_poll_s,
            max_watch_s=settings.watch_max_duration_s,
            max_watches_per_user=settings.watch_max_per_user,
        ),
        ProfileService(repo),
        TrendService(repo),
    )
    return await resources.serve(
        settings.server.grpc_listen,
        [
            GrpcService(
                SERVICE_NAME, activity_service_pb2_grpc.add_ActivityServiceServicer_to_server, servicer
            ),
            GrpcService(
                ops_servicer.SERVICE_NAME,
                ops_service_pb2_grpc.add_OpsServiceServicer_to_server,
                ops_servicer.AnalyzerOpsServicer(reprocessing, dashboard),
            ),
        ],
        verifier=TokenVerifier.from_settings(settings.auth),
        reflect_services=REFLECTED_SERVICES,
        max_concurrent_rpcs=settings.server.max_concurrent_rpcs,
    )


async def main(analysis_code: AnalysisCode | None = None) -> None:
    settings = load_settings(AnalyzerSettings)
    await run_service(
        "analyzer", settings.server, lambda resources: build(resources, settings, analysis_code=analysis_code)
    )


def run() -> None:
    main_entry(main)
