"""Client-side helpers: channels with matching keepalive and size limits, bearer metadata."""

from __future__ import annotations

import grpc

from .logging import context_field

# Names the activity an outgoing call works for (the analyzer's current job), so the callee's log lines name
# it too: one activity's path is then one query over every service's logs. Logging only, never trusted.
ACTIVITY_ID_METADATA = "fitcoach-activity-id"

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
]


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying a Supabase access token."""
    return (("authorization", f"Bearer {token}"),)


def insecure_channel(addr: str) -> grpc.aio.Channel:
    """An aio channel to `host:port` (plaintext: inside the deployment network or through Envoy)."""
    return grpc.aio.insecure_channel(addr, options=CHANNEL_OPTIONS)


def job_metadata() -> tuple[tuple[str, str], ...]:
    """Call metadata naming the activity of the current job (bound with log_context), if any."""
    activity_id = context_field("activity_id")
    return ((ACTIVITY_ID_METADATA, str(activity_id)),) if activity_id else ()
