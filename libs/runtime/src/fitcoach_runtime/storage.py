"""Object storage (R2 / any S3 API) through aioboto3: one place for client configuration and key naming."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aioboto3
from botocore.config import Config

from .settings import StorageSettings


def object_key(user_id: str, activity_id: str) -> str:
    """Server-chosen key of an activity's FIT file; the user's file name is metadata only."""
    return f"users/{user_id}/activities/{activity_id}.fit"


def _config() -> Config:
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        # Only compute/require checksums when an operation needs them: R2 and SeaweedFS reject or ignore
        # the CRC trailers newer botocore adds by default.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


@asynccontextmanager
async def s3_client(settings: StorageSettings, *, public: bool = False) -> AsyncIterator[Any]:
    """An S3 client; `public=True` targets the endpoint clients reach, for signing presigned URLs."""
    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=settings.effective_public_endpoint if public else settings.effective_endpoint,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.effective_region,
        config=_config(),
    ) as client:
        yield client
