"""Reading an uploaded FIT file from the store: streamed, capped, and checked against its declared sha256."""

from __future__ import annotations

import hashlib
from typing import Any

from .domain import FileRejected

CHUNK_BYTES = 256 * 1024


class ObjectReader:
    """Reads objects through an aioboto3 S3 client (R2 or any S3 API)."""

    def __init__(self, client: Any, max_bytes: int) -> None:
        self.client = client
        self.max_bytes = max_bytes

    async def read_verified(self, bucket: str, key: str, sha256: str) -> bytes:
        """The object's bytes; FileRejected when it is larger than the cap or its sha256 differs.

        Storage errors (connection refused, 5xx, missing object) propagate: they are retried, not blamed on
        the file.
        """
        response = await self.client.get_object(Bucket=bucket, Key=key)
        body = response["Body"]
        try:
            declared = response.get("ContentLength")
            if declared is not None and declared > self.max_bytes:
                raise FileRejected(f"the file is larger than the {self.max_bytes} byte limit")
            digest = hashlib.sha256()
            chunks: list[bytes] = []
            total = 0
            # Count while streaming: a store may not send Content-Length, and it must not make us buffer more.
            async for chunk in body.iter_chunks(CHUNK_BYTES):
                total += len(chunk)
                if total > self.max_bytes:
                    raise FileRejected(f"the file is larger than the {self.max_bytes} byte limit")
                digest.update(chunk)
                chunks.append(chunk)
        finally:
            body.close()
        if digest.hexdigest() != sha256.lower():
            raise FileRejected("file does not match its declared sha256")
        return b"".join(chunks)
