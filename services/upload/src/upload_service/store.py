"""Object storage for uploads: presigned PUT URLs (signed for the public endpoint) and HEAD checks."""

from __future__ import annotations

import base64
import datetime as dt
import urllib.parse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fitcoach_runtime.errors import Unavailable

from upload_service.service import PresignedGet, PresignedPut

CONTENT_TYPE = "application/octet-stream"
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def headers_to_send(signed_headers: list[str], size_bytes: int, checksum_b64: str) -> dict[str, str]:
    """The headers a PUT must carry, checked against what botocore actually signed.

    The URL is useless unless the client sends every signed header with the signed value, so a botocore
    upgrade that starts signing another header must fail here, loudly, instead of in every client."""
    headers = {
        "Content-Length": str(size_bytes),
        "Content-Type": CONTENT_TYPE,
        "x-amz-checksum-sha256": checksum_b64,
    }
    signed = {name.lower() for name in signed_headers}
    if "x-amz-sdk-checksum-algorithm" in signed:
        headers["x-amz-sdk-checksum-algorithm"] = "SHA256"
    unknown = signed - {name.lower() for name in headers} - {"host"}
    if unknown:
        raise RuntimeError(f"presigned PUT signs headers we cannot supply: {sorted(unknown)}")
    unsigned = {"content-length", "content-type", "x-amz-checksum-sha256"} - signed
    if unsigned:
        raise RuntimeError(f"presigned PUT does not sign {sorted(unsigned)}; refusing to hand it out")
    return headers


def url_expiry(url: str) -> dt.datetime:
    """When a presigned URL stops working, by the URL's own clock, not ours: X-Amz-Date + X-Amz-Expires is
    when the store starts refusing it."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    signed_at = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return signed_at + dt.timedelta(seconds=int(query["X-Amz-Expires"][0]))


def content_disposition(file_name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form (Korean names too)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in file_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(file_name, safe='')}"


class S3ObjectStore:
    """`client` talks to the store from inside; `public_client` signs URLs for the host clients reach."""

    def __init__(self, client: Any, public_client: Any, bucket: str) -> None:
        self.client = client
        self.public_client = public_client
        self.bucket = bucket

    async def presign_put(self, key: str, size_bytes: int, sha256_hex: str, ttl_s: int) -> PresignedPut:
        checksum_b64 = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
        url = await self.public_client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentLength": size_bytes,
                "ContentType": CONTENT_TYPE,
                "ChecksumSHA256": checksum_b64,
            },
            ExpiresIn=ttl_s,
        )
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        signed_headers = query["X-Amz-SignedHeaders"][0].split(";")
        return PresignedPut(url, headers_to_send(signed_headers, size_bytes, checksum_b64), url_expiry(url))

    async def presign_get(self, key: str, file_name: str, ttl_s: int) -> PresignedGet:
        """A GET of the original bytes, served as an attachment under the original file name."""
        url = await self.public_client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(file_name),
                "ResponseContentType": CONTENT_TYPE,
            },
            ExpiresIn=ttl_s,
        )
        return PresignedGet(url, url_expiry(url))

    async def object_size(self, key: str) -> int | None:
        try:
            head = await self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return None
            raise Unavailable("object storage unavailable") from exc
        except BotoCoreError as exc:  # connection refused, timeouts
            raise Unavailable("object storage unavailable") from exc
        return int(head["ContentLength"])

    async def put_verified(self, key: str, data: bytes, sha256_hex: str) -> None:
        """Store `data` under `key` from the server itself (the legacy migration), with its SHA-256 for a store
        that checks it (R2 does), then HEAD it: the size must match, whatever the store checked."""
        checksum_b64 = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
        try:
            await self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentLength=len(data),
                ContentType=CONTENT_TYPE,
                ChecksumSHA256=checksum_b64,
            )
        except (ClientError, BotoCoreError) as exc:
            raise Unavailable(f"object storage refused the file: {exc}") from exc
        size = await self.object_size(key)
        if size != len(data):
            raise Unavailable(f"stored object {key} is {size} bytes after the upload, expected {len(data)}")

    async def delete(self, key: str) -> None:
        """Delete the object; a missing object is fine (S3 DELETE is idempotent)."""
        try:
            await self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise Unavailable("object storage unavailable") from exc
