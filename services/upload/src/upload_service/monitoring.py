"""The upload service's Prometheus figures: what it owns (outbox, stored objects, uploads by status), read
from PostgreSQL every few seconds. Storage requests are counted as they happen (fitcoach_storage_operations_total)."""

from __future__ import annotations

import asyncpg
from prometheus_client import Gauge

from upload_service.repository import upload_figures

OUTBOX_BACKLOG = Gauge("fitcoach_outbox_backlog", "Outbox events not yet published to JetStream")
OUTBOX_OLDEST = Gauge("fitcoach_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event")
STORED_OBJECTS = Gauge("fitcoach_stored_objects", "FIT objects in the store (verified uploads)")
STORED_BYTES = Gauge("fitcoach_stored_bytes", "Bytes of the FIT objects in the store")
UPLOADS = Gauge("fitcoach_uploads", "Upload rows by upload status", ["status"])
UPLOAD_STATUSES = ("pending", "uploaded", "duplicate")


async def refresh_gauges(pool: asyncpg.Pool) -> None:
    figures = await upload_figures(pool)
    OUTBOX_BACKLOG.set(figures.outbox_backlog)
    OUTBOX_OLDEST.set(figures.outbox_oldest_age_s)
    STORED_OBJECTS.set(figures.stored_objects)
    STORED_BYTES.set(figures.stored_bytes)
    for status in UPLOAD_STATUSES:
        UPLOADS.labels(status).set(figures.by_status.get(status, 0))
