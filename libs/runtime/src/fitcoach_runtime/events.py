"""NATS JetStream: connection and the upload-events stream.

The stream keeps events (limits retention with a long max_age, not work-queue retention) so operators can
replay history; the duplicate window lets the outbox relay republish safely after a crash.
"""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from .settings import NatsSettings

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "fitcoach.upload.v1"
STREAM_SUBJECTS = [f"{SUBJECT_PREFIX}.>"]
SUBJECT_UPLOAD_COMPLETED = f"{SUBJECT_PREFIX}.completed"
STREAM_MAX_AGE_S = 365 * 24 * 3600
DUPLICATE_WINDOW_S = 120


async def connect_nats(settings: NatsSettings, name: str) -> Client:
    """Connect with endless reconnects: a NATS restart must not kill the service."""
    return await nats.connect(
        servers=settings.servers,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
    )


def stream_config(stream_name: str, replicas: int = 1) -> StreamConfig:
    """`replicas` copies of every event on as many cluster nodes (NATS_STREAM_REPLICAS; 1 on one server)."""
    return StreamConfig(
        name=stream_name,
        num_replicas=replicas,
        subjects=STREAM_SUBJECTS,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=STREAM_MAX_AGE_S,
        duplicate_window=DUPLICATE_WINDOW_S,
    )


async def ensure_stream(js: JetStreamContext, stream_name: str, replicas: int = 1) -> None:
    """Create the stream, or bring an existing one to the expected configuration (a changed replica count
    included: JetStream moves a clustered stream to the new count in place)."""
    config = stream_config(stream_name, replicas)
    try:
        await js.stream_info(stream_name)
    except NotFoundError:
        await js.add_stream(config)
        log.info("created stream", extra={"fields": {"stream": stream_name}})
        return
    await js.update_stream(config)
