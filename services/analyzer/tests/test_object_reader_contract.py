"""The analyzer's object reader on two independent S3 implementations (SeaweedFS and moto's server; R2 is the
third): it streams the object, caps its size and checks the sha256 the upload declared — the check that stops
bytes a lenient store let through (moto takes any bytes on a presigned PUT, see the upload service's
test_lenient_store.py)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from analyzer_service.domain import FileRejected
from analyzer_service.objects import CHUNK_BYTES, ObjectReader
from botocore.exceptions import ClientError
from fitcoach_runtime.storage import object_key, s3_client

# Several streamed chunks, so the cap and the digest are checked across chunk boundaries.
BODY = os.urandom(2 * CHUNK_BYTES + 123)
SHA256 = hashlib.sha256(BODY).hexdigest()


@pytest.fixture
async def stored(any_s3_bucket: Any) -> AsyncIterator[tuple[Any, str, str]]:
    """(client, bucket, key) with BODY stored at an activity's key, on each store in turn."""
    key = object_key(str(uuid.uuid4()), str(uuid.uuid4()))
    async with s3_client(any_s3_bucket.settings()) as client:
        await client.put_object(Bucket=any_s3_bucket.bucket, Key=key, Body=BODY)
        yield client, any_s3_bucket.bucket, key


async def test_reads_the_bytes_that_match_their_declared_sha256(stored: tuple[Any, str, str]) -> None:
    client, bucket, key = stored
    assert await ObjectReader(client, len(BODY)).read_verified(bucket, key, SHA256.upper()) == BODY


async def test_bytes_that_differ_from_the_declared_sha256_are_rejected(stored: tuple[Any, str, str]) -> None:
    client, bucket, key = stored
    declared = hashlib.sha256(b"what the client said it would upload").hexdigest()
    with pytest.raises(FileRejected, match=r"^file does not match its declared sha256$"):
        await ObjectReader(client, len(BODY)).read_verified(bucket, key, declared)


async def test_an_object_over_the_cap_is_rejected(stored: tuple[Any, str, str]) -> None:
    client, bucket, key = stored
    with pytest.raises(FileRejected, match=f"larger than the {len(BODY) - 1} byte limit"):
        await ObjectReader(client, len(BODY) - 1).read_verified(bucket, key, SHA256)


async def test_a_missing_object_is_a_storage_error_not_the_files_fault(stored: tuple[Any, str, str]) -> None:
    # Propagated (the consumer naks and retries), never FileRejected (which fails the activity for good).
    client, bucket, _ = stored
    with pytest.raises(ClientError) as missing:
        await ObjectReader(client, len(BODY)).read_verified(bucket, "users/u/activities/none.fit", SHA256)
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
