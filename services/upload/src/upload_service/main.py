"""Wiring only: settings → resources → server (+ the outbox relay and the sweeper in the background)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import asyncpg
from fitcoach.ops.v1 import ops_service_pb2_grpc
from fitcoach.upload.v1 import upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import TokenVerifier
from fitcoach_runtime.db import apply_migrations, create_pool
from fitcoach_runtime.events import connect_nats, ensure_stream
from fitcoach_runtime.grpc_server import GrpcService, RunningServer, ServiceResources, main_entry, run_service
from fitcoach_runtime.settings import load_settings
from fitcoach_runtime.storage import s3_client
from fitcoach_runtime.storage_usage import StorageOperations
from nats.js.client import JetStreamContext

from upload_service import ops_servicer
from upload_service.migration import LegacyMigration
from upload_service.monitoring import refresh_gauges
from upload_service.relay import OutboxRelay
from upload_service.repository import ActivityRepository, MigrationRepository, OutboxRepository
from upload_service.service import UploadService
from upload_service.servicer import UploadServicer
from upload_service.settings import UploadSettings
from upload_service.store import S3ObjectStore
from upload_service.sweeper import PendingSweeper

SERVICE_NAME = upload_service_pb2.DESCRIPTOR.services_by_name["UploadService"].full_name
# Storage request counts reach PostgreSQL this often (a crash loses at most this much of them).
STORAGE_COUNTS_FLUSH_S = 5.0


@dataclass(frozen=True)
class Components:
    """The upload service's parts, opened but not yet serving (tests drive them directly)."""

    pool: asyncpg.Pool
    js: JetStreamContext
    service: UploadService
    relay: OutboxRelay
    sweeper: PendingSweeper
    migration: LegacyMigration
    operations: StorageOperations


async def open_components(resources: AsyncExitStack, settings: UploadSettings) -> Components:
    """Connect to PostgreSQL (migrated), NATS (stream ensured) and S3; closed in reverse by `resources`."""
    pool = await create_pool(settings.database)
    resources.push_async_callback(pool.close)
    await apply_migrations(pool, "upload", "upload_service")

    nc = await connect_nats(settings.nats, "upload")
    resources.push_async_callback(nc.close)
    js = nc.jetstream()
    await ensure_stream(js, settings.nats.stream, settings.nats.stream_replicas)

    s3 = await resources.enter_async_context(s3_client(settings.storage))
    operations = StorageOperations(pool, "upload")
    operations.attach(s3)
    resources.push_async_callback(operations.flush)  # before the pool closes: the last counts are kept
    s3_public = s3
    if settings.storage.effective_public_endpoint != settings.storage.effective_endpoint:
        s3_public = await resources.enter_async_context(s3_client(settings.storage, public=True))

    relay = OutboxRelay(
        OutboxRepository(pool),
        js,
        stream=settings.nats.stream,
        batch_size=settings.relay.batch_size,
        poll_interval_s=settings.relay.poll_interval_s,
        publish_timeout_s=settings.relay.publish_timeout_s,
    )
    activities = ActivityRepository(pool)
    objects = S3ObjectStore(s3, s3_public, settings.storage.bucket)
    service = UploadService(
        activities,
        objects,
        max_upload_bytes=settings.limits.max_upload_bytes,
        url_ttl_s=settings.limits.upload_url_ttl_s,
        download_url_ttl_s=settings.limits.download_url_ttl_s,
        operations=operations,
    )
    sweeper = PendingSweeper(
        activities,
        objects,
        abandon_after_s=settings.sweeper.abandon_after_h * 3600,
        interval_s=settings.sweeper.interval_s,
    )
    migration = LegacyMigration(
        MigrationRepository(pool), activities, objects, max_bytes=settings.limits.max_upload_bytes
    )
    return Components(pool, js, service, relay, sweeper, migration, operations)


async def build(resources: ServiceResources, settings: UploadSettings) -> RunningServer:
    """Open the components, run the outbox relay and the sweeper in the background and serve gRPC."""
    parts = await open_components(resources, settings)
    resources.run_in_background(parts.relay.run(), "outbox-relay")
    resources.run_in_background(parts.sweeper.run(), "pending-sweeper")
    resources.run_every(STORAGE_COUNTS_FLUSH_S, parts.operations.flush, "storage-operation-counts")
    if settings.server.metrics_listen:
        resources.run_every(
            settings.server.metrics_refresh_s, lambda: refresh_gauges(parts.pool), "prometheus-gauges"
        )
    return await resources.serve(
        settings.server.grpc_listen,
        [
            GrpcService(
                SERVICE_NAME,
                upload_service_pb2_grpc.add_UploadServiceServicer_to_server,
                UploadServicer(parts.service),
            ),
            GrpcService(
                ops_servicer.SERVICE_NAME,
                ops_service_pb2_grpc.add_OpsServiceServicer_to_server,
                ops_servicer.UploadOpsServicer(parts.migration, MigrationRepository(parts.pool)),
            ),
        ],
        verifier=TokenVerifier.from_settings(settings.auth),
        max_concurrent_rpcs=settings.server.max_concurrent_rpcs,
    )


async def main() -> None:
    settings = load_settings(UploadSettings)
    await run_service("upload", settings.server, lambda resources: build(resources, settings))


def run() -> None:
    main_entry(main)
