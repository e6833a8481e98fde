"""Configuration of the upload service, read from the environment once, at start."""

from __future__ import annotations

from dataclasses import dataclass

from fitcoach_runtime.settings import (
    MIB,
    AuthSettings,
    DatabaseSettings,
    NatsSettings,
    ServerSettings,
    StorageSettings,
    env_field,
)


@dataclass(frozen=True)
class UploadLimits:
    """What a client may upload and for how long a presigned URL stays valid."""

    max_upload_bytes: int = env_field("MAX_UPLOAD_BYTES", 50 * MIB)
    upload_url_ttl_s: int = env_field("UPLOAD_URL_TTL_S", 900)
    # Download URLs are handed to a browser that follows them at once: short-lived.
    download_url_ttl_s: int = env_field("DOWNLOAD_URL_TTL_S", 60)

    def __post_init__(self) -> None:
        if self.max_upload_bytes < 1:
            raise ValueError("MAX_UPLOAD_BYTES must be at least 1")
        # SigV4 presigned URLs are valid for at most 7 days.
        if not 1 <= self.upload_url_ttl_s <= 7 * 24 * 3600:
            raise ValueError("UPLOAD_URL_TTL_S must be between 1 and 604800 seconds")
        if not 1 <= self.download_url_ttl_s <= 3600:
            raise ValueError("DOWNLOAD_URL_TTL_S must be between 1 and 3600 seconds")


@dataclass(frozen=True)
class RelaySettings:
    """The outbox relay: how many events it publishes per round and how often it looks without a wake-up."""

    batch_size: int = env_field("OUTBOX_BATCH_SIZE", 100)
    poll_interval_s: float = env_field("OUTBOX_POLL_INTERVAL_S", 2.0)
    publish_timeout_s: float = env_field("OUTBOX_PUBLISH_TIMEOUT_S", 5.0)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.poll_interval_s <= 0 or self.publish_timeout_s <= 0:
            raise ValueError(
                "OUTBOX_BATCH_SIZE, OUTBOX_POLL_INTERVAL_S and OUTBOX_PUBLISH_TIMEOUT_S must be > 0"
            )


@dataclass(frozen=True)
class SweeperSettings:
    """Abandoned pending uploads (URL expired, never completed) are deleted after this many hours."""

    abandon_after_h: float = env_field("PENDING_UPLOAD_ABANDON_AFTER_H", 24.0)
    interval_s: float = env_field("PENDING_SWEEP_INTERVAL_S", 600.0)

    def __post_init__(self) -> None:
        if self.abandon_after_h <= 0 or self.interval_s <= 0:
            raise ValueError("PENDING_UPLOAD_ABANDON_AFTER_H and PENDING_SWEEP_INTERVAL_S must be > 0")


@dataclass(frozen=True)
class UploadSettings:
    server: ServerSettings
    database: DatabaseSettings
    nats: NatsSettings
    storage: StorageSettings
    auth: AuthSettings
    limits: UploadLimits
    relay: RelaySettings
    sweeper: SweeperSettings
