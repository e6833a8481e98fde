"""Upload use cases: CreateUpload and CompleteUpload, free of gRPC and SQL.

Decisions a client can rely on:
- Same user + same sha256 as an `uploaded` activity → that activity, `duplicate=true`, no URL: the bytes are
  never stored twice.
- Same user + same sha256 as a `pending` activity → a fresh URL for *that* activity (`duplicate=false`),
  whether or not its previous URL expired. An interrupted upload (network gone mid-PUT, app closed before
  CompleteUpload, URL expired while offline) is resumed by simply uploading the file again: the client gets
  the same activity id and a working URL, and never ends up with a "duplicate" that has no bytes behind it.
- Same sha256 with a different size_bytes than the earlier activity → INVALID_ARGUMENT (cannot be the same file).
- CompleteUpload is idempotent: once `uploaded`, calling it again returns the status and queues nothing.
- Pending uploads whose URL expired long ago are swept (sweeper.py); uploading the file again then starts over.
- DeleteActivity removes the row and queues the object's deletion in one transaction, then deletes the object;
  the sweeper finishes queued deletions a crash left behind. Deleting what is gone (or someone else's) is a
  no-op answered `deleted=false`. The analyzer purges its own rows of activities whose upload row is gone.
- GetDownloadUrl signs a short-lived GET of the original bytes for the owner of an uploaded activity.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED
from fitcoach_runtime.logging import log_context
from fitcoach_runtime.storage import object_key

logger = logging.getLogger(__name__)

PENDING = "pending"
UPLOADED = "uploaded"
DUPLICATE = "duplicate"

MAX_FILE_NAME_CHARS = 255
DEFAULT_FILE_NAME = "activity.fit"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Activity:
    """A row of upload.activities."""

    id: str
    user_id: str
    file_name: str
    size_bytes: int
    sha256: str
    object_key: str
    status: str
    created_at: dt.datetime
    uploaded_at: dt.datetime | None
    url_expires_at: dt.datetime
    duplicate_of: str | None = None


@dataclass(frozen=True)
class OutboxEvent:
    """An event to publish after the transaction that produced it commits."""

    id: str
    subject: str
    payload: bytes


@dataclass(frozen=True)
class PresignedPut:
    url: str
    headers: Mapping[str, str]
    expires_at: dt.datetime


@dataclass(frozen=True)
class PresignedGet:
    url: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Deletion:
    """An object whose activity was deleted; the row lives in upload.deletions until the object is gone."""

    activity_id: str
    user_id: str
    object_key: str


@dataclass(frozen=True)
class UploadTicket:
    """The answer to CreateUpload."""

    activity_id: str
    duplicate: bool
    url: str = ""
    headers: Mapping[str, str] | None = None
    expires_at: dt.datetime | None = None


class ActivityStore(Protocol):
    async def insert_pending(self, activity: Activity) -> bool:
        """Insert; False when the user already has an activity with this sha256."""

    async def find_by_sha256(self, user_id: str, sha256: str) -> Activity | None: ...

    async def get_for_user(self, activity_id: str, user_id: str) -> Activity | None: ...

    async def set_url_expiry(self, activity_id: str, expires_at: dt.datetime) -> None: ...

    async def mark_uploaded(
        self, activity_id: str, user_id: str, uploaded_at: dt.datetime, event: OutboxEvent
    ) -> str | None:
        """In one transaction: pending → uploaded + outbox row (both announced); concurrent calls, one change.

        Returns the status after the call (unchanged when it was not pending), None when not found."""

    async def delete_for_user(self, activity_id: str, user_id: str) -> Deletion | None:
        """In one transaction: delete the row, queue its object's deletion, notify. None when not found."""

    async def finish_deletion(self, activity_id: str) -> None:
        """The object is gone: drop the queued deletion."""


class OperationCounter(Protocol):
    """Counts storage requests for the cost estimate (fitcoach_runtime.storage_usage.StorageOperations)."""

    def record(self, operation: str, count: int = 1) -> None: ...


class ObjectStore(Protocol):
    bucket: str

    async def presign_put(self, key: str, size_bytes: int, sha256_hex: str, ttl_s: int) -> PresignedPut: ...

    async def presign_get(self, key: str, file_name: str, ttl_s: int) -> PresignedGet: ...

    async def delete(self, key: str) -> None: ...

    async def object_size(self, key: str) -> int | None:
        """Size of the stored object, None when there is none."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clean_file_name(raw: str) -> str:
    """Metadata only, but shown in UIs: keep the base name, drop control characters, cap the length."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_FILE_NAME_CHARS] or DEFAULT_FILE_NAME


def parse_activity_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise InvalidArgument("activity_id must be a UUID") from None


class UploadService:
    def __init__(
        self,
        activities: ActivityStore,
        objects: ObjectStore,
        *,
        max_upload_bytes: int,
        url_ttl_s: int,
        download_url_ttl_s: int = 60,
        clock: Callable[[], dt.datetime] = _utcnow,
        operations: OperationCounter | None = None,
    ) -> None:
        self.activities = activities
        self.objects = objects
        self.max_upload_bytes = max_upload_bytes
        self.url_ttl_s = url_ttl_s
        self.download_url_ttl_s = download_url_ttl_s
        self.clock = clock
        self.operations = operations

    def _validate(self, size_bytes: int, sha256: str) -> None:
        if not _SHA256_HEX.fullmatch(sha256):
            raise InvalidArgument("sha256 must be 64 lower-case hex characters")
        if size_bytes < 1:
            raise InvalidArgument("size_bytes must be positive")
        if size_bytes > self.max_upload_bytes:
            raise InvalidArgument(f"file is {size_bytes} bytes; the limit is {self.max_upload_bytes} bytes")

    async def create_upload(self, user_id: str, file_name: str, size_bytes: int, sha256: str) -> UploadTicket:
        self._validate(size_bytes, sha256)
        # A new file (nearly every call) costs one insert; a file seen before, a conflict and then a read.
        # Retried for the race here: the sweeper deleting an abandoned upload between our conflict and our read.
        for _ in range(3):
            ticket = await self._create_new(user_id, clean_file_name(file_name), size_bytes, sha256)
            if ticket is not None:
                return ticket
            existing = await self.activities.find_by_sha256(user_id, sha256)
            if existing is not None:
                return await self._answer_existing(existing, size_bytes)
        raise Unavailable("the upload changed concurrently; retry")

    async def _create_new(
        self, user_id: str, file_name: str, size_bytes: int, sha256: str
    ) -> UploadTicket | None:
        """Insert a pending activity and sign its URL; None when the same file was inserted concurrently."""
        activity_id = str(uuid.uuid4())
        key = object_key(user_id, activity_id)
        presigned = await self.objects.presign_put(key, size_bytes, sha256, self.url_ttl_s)
        activity = Activity(
            id=activity_id,
            user_id=user_id,
            file_name=file_name,
            size_bytes=size_bytes,
            sha256=sha256,
            object_key=key,
            status=PENDING,
            created_at=self.clock(),
            uploaded_at=None,
            url_expires_at=presigned.expires_at,
        )
        if not await self.activities.insert_pending(activity):
            return None
        with log_context(activity_id=activity_id, user_id=user_id):
            logger.info("upload created", extra={"fields": {"size_bytes": size_bytes}})
        return UploadTicket(activity_id, False, presigned.url, presigned.headers, presigned.expires_at)

    async def _answer_existing(self, existing: Activity, size_bytes: int) -> UploadTicket:
        if existing.size_bytes != size_bytes:
            # Same sha256 with another size cannot be the same file: one of the two requests is wrong.
            raise InvalidArgument(
                f"size_bytes {size_bytes} differs from the earlier upload of this file ({existing.size_bytes})"
            )
        if existing.status != PENDING:
            return UploadTicket(existing.id, True)
        # Resume an interrupted upload: a fresh URL for the same activity and key.
        presigned = await self.objects.presign_put(
            existing.object_key, existing.size_bytes, existing.sha256, self.url_ttl_s
        )
        await self.activities.set_url_expiry(existing.id, presigned.expires_at)
        with log_context(activity_id=existing.id, user_id=existing.user_id):
            logger.info("upload URL re-issued for a pending activity")
        return UploadTicket(existing.id, False, presigned.url, presigned.headers, presigned.expires_at)

    async def _owned_activity(self, user_id: str, raw_activity_id: str) -> Activity:
        """The caller's activity; NotFound when it does not exist or is someone else's."""
        activity = await self.activities.get_for_user(parse_activity_id(raw_activity_id), user_id)
        if activity is None:
            raise NotFound("activity not found")
        return activity

    async def complete_upload(self, user_id: str, raw_activity_id: str) -> tuple[str, str]:
        """Verify the stored object and queue the activity; returns (activity_id, status)."""
        activity = await self._owned_activity(user_id, raw_activity_id)
        if activity.status != PENDING:
            return activity.id, activity.status
        with log_context(activity_id=activity.id, user_id=user_id):
            size = await self.objects.object_size(activity.object_key)
            if size is None:
                if self.clock() >= activity.url_expires_at:
                    raise FailedPrecondition(
                        "upload URL expired before the file was uploaded; call CreateUpload again"
                    )
                raise FailedPrecondition("object not uploaded")
            if size != activity.size_bytes:
                raise FailedPrecondition(f"stored object is {size} bytes, expected {activity.size_bytes}")
            uploaded_at = self.clock()
            event = upload_completed_event(activity, self.objects.bucket, uploaded_at)
            status = await self.activities.mark_uploaded(activity.id, user_id, uploaded_at, event)
            if status is None:  # the sweeper deleted it (URL long expired) while we checked the object
                raise NotFound("activity not found")
            if self.operations is not None:
                # The client's presigned PUT never passed through our S3 client: count it once verified
                # (a concurrent second CompleteUpload of the same activity may count it twice: an estimate).
                self.operations.record("PutObject")
            logger.info("upload completed", extra={"fields": {"status": status}})
            return activity.id, status

    async def delete_activity(self, user_id: str, raw_activity_id: str) -> bool:
        """Delete the caller's activity for good; False when there was nothing of theirs to delete."""
        activity_id = parse_activity_id(raw_activity_id)
        deletion = await self.activities.delete_for_user(activity_id, user_id)
        if deletion is None:
            return False
        with log_context(activity_id=activity_id, user_id=user_id):
            # After the commit: if this fails (or the process dies here) the queued deletion is finished by
            # the sweeper; the activity is already gone for every reader.
            try:
                await self.objects.delete(deletion.object_key)
                await self.activities.finish_deletion(activity_id)
            except Unavailable:
                logger.warning("object deletion deferred to the sweeper")
            logger.info("activity deleted")
        return True

    async def download_url(self, user_id: str, raw_activity_id: str) -> tuple[Activity, PresignedGet]:
        """A short-lived GET URL of the original file; only for its owner, once its bytes are verified."""
        activity = await self._owned_activity(user_id, raw_activity_id)
        if activity.status != UPLOADED:
            raise FailedPrecondition("the file has not been uploaded yet")
        presigned = await self.objects.presign_get(
            activity.object_key, activity.file_name, self.download_url_ttl_s
        )
        if self.operations is not None:
            # The browser's GET never passes through our S3 client: counted when its URL is issued (an
            # estimate: a URL may go unused, or be used twice within its lifetime).
            self.operations.record("GetObject")
        return activity, presigned


def upload_completed_event(activity: Activity, bucket: str, uploaded_at: dt.datetime) -> OutboxEvent:
    event_id = str(uuid.uuid4())
    message = events_pb2.UploadCompleted(
        event_id=event_id,
        activity_id=activity.id,
        user_id=activity.user_id,
        bucket=bucket,
        object_key=activity.object_key,
        size_bytes=activity.size_bytes,
        sha256=activity.sha256,
    )
    message.uploaded_at.FromDatetime(uploaded_at)
    return OutboxEvent(id=event_id, subject=SUBJECT_UPLOAD_COMPLETED, payload=message.SerializeToString())
