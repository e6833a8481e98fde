"""fitctl's PUT against a real signature-checking S3 API (SeaweedFS), with a URL presigned by the upload
service's own store code: the headers fitctl sends must satisfy the signature, byte for byte."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fitcoach_runtime.storage import s3_client
from fitctl.upload import Progress, PutError, fingerprint, put_file
from upload_service.store import S3ObjectStore

pytestmark = pytest.mark.slow


async def test_put_is_accepted_by_a_real_store_and_a_wrong_file_is_refused(
    s3_bucket: Any, tmp_path: Path
) -> None:
    path = tmp_path / "real.fit"
    path.write_bytes(b".FIT" + uuid.uuid4().bytes * 50_000)  # 800 kB: several streamed chunks
    size, digest = fingerprint(path)
    settings = s3_bucket.settings()
    async with s3_client(settings) as client, s3_client(settings, public=True) as public:
        store = S3ObjectStore(client, public, s3_bucket.bucket)
        key = f"users/{uuid.uuid4()}/activities/{uuid.uuid4()}.fit"
        presigned = await store.presign_put(key, size, digest, ttl_s=300)
        async with httpx.AsyncClient() as http:
            await put_file(
                http, path, presigned.url, dict(presigned.headers), size, Progress(size, enabled=False)
            )
            stored = await client.get_object(Bucket=s3_bucket.bucket, Key=key)
            assert hashlib.sha256(await stored["Body"].read()).hexdigest() == digest

            # Same size, other bytes: the signed checksum makes the store refuse it, and fitctl says so
            # without quoting the URL.
            other = tmp_path / "other.fit"
            other.write_bytes(b"\0" * size)
            key2 = f"users/{uuid.uuid4()}/activities/{uuid.uuid4()}.fit"
            presigned2 = await store.presign_put(key2, size, digest, ttl_s=300)
            with pytest.raises(PutError, match=r"^HTTP 400 BadDigest ") as refused:
                await put_file(
                    http, other, presigned2.url, dict(presigned2.headers), size, Progress(size, False)
                )
            assert presigned2.url.partition("?")[2] not in str(refused.value)
            assert await store.object_size(key2) is None
