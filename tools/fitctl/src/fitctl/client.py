"""The gRPC side of fitctl: one channel to the gateway, the stubs, the bearer token, readable errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import grpc
from fitcoach.activity.v1 import activity_service_pb2 as activity_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as activity_grpc
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach.upload.v1 import upload_service_pb2 as upload_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as upload_grpc
from fitcoach_runtime.grpc_client import CHANNEL_OPTIONS, bearer
from google.protobuf.message import Message

from .config import GatewayTarget

R = TypeVar("R", bound=Message)

UNARY_TIMEOUT_S = 30.0
# A watch stream that ends early (gateway idle timeout, a service restarting) is reopened; these codes mean
# "try again", anything else is a real answer.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def describe_rpc_error(exc: grpc.aio.AioRpcError | grpc.RpcError) -> str:
    """`NOT_FOUND: activity not found` — the code name and the server's message."""
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else None
    return f"{code.name if code else 'UNKNOWN'}: {details or 'no details'}"


class Gateway:
    """An open channel to the Envoy gateway with the caller's token on every call (async context manager)."""

    def __init__(self, target: GatewayTarget, token: str, *, timeout_s: float = UNARY_TIMEOUT_S) -> None:
        self.target = target
        self.metadata = bearer(token)
        self.timeout_s = timeout_s
        if target.tls:
            self.channel = grpc.aio.secure_channel(
                target.address, grpc.ssl_channel_credentials(), options=CHANNEL_OPTIONS
            )
        else:
            self.channel = grpc.aio.insecure_channel(target.address, options=CHANNEL_OPTIONS)
        self.uploads = upload_grpc.UploadServiceStub(self.channel)
        self.activities = activity_grpc.ActivityServiceStub(self.channel)
        self.ops = ops_grpc.OpsServiceStub(self.channel)  # operators only (fitctl admin)

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.channel.close()

    async def call(self, rpc: Callable[..., Awaitable[Any]], request: Message, answer: type[R]) -> R:
        """One unary call with the caller's token, within the unary timeout; `answer`: the response type."""
        response = await rpc(request, metadata=self.metadata, timeout=self.timeout_s)
        assert isinstance(response, answer), type(response)
        return response

    async def create_upload(
        self, file_name: str, size_bytes: int, sha256: str
    ) -> upload_pb.CreateUploadResponse:
        request = upload_pb.CreateUploadRequest(file_name=file_name, size_bytes=size_bytes, sha256=sha256)
        return await self.call(self.uploads.CreateUpload, request, upload_pb.CreateUploadResponse)

    async def complete_upload(self, activity_id: str) -> upload_pb.CompleteUploadResponse:
        request = upload_pb.CompleteUploadRequest(activity_id=activity_id)
        return await self.call(self.uploads.CompleteUpload, request, upload_pb.CompleteUploadResponse)

    async def delete_activity(self, activity_id: str) -> bool:
        """True when this call deleted it, False when it was already gone."""
        request = upload_pb.DeleteActivityRequest(activity_id=activity_id)
        return (
            await self.call(self.uploads.DeleteActivity, request, upload_pb.DeleteActivityResponse)
        ).deleted

    async def download_url(self, activity_id: str) -> upload_pb.GetDownloadUrlResponse:
        request = upload_pb.GetDownloadUrlRequest(activity_id=activity_id)
        return await self.call(self.uploads.GetDownloadUrl, request, upload_pb.GetDownloadUrlResponse)

    async def get_activity(self, activity_id: str) -> activity_pb.Activity:
        request = activity_pb.GetActivityRequest(activity_id=activity_id)
        return (
            await self.call(self.activities.GetActivity, request, activity_pb.GetActivityResponse)
        ).activity

    async def list_activities(
        self, limit: int | None, page_size: int = 100
    ) -> AsyncIterator[activity_pb.Activity]:
        """The caller's activities, newest first, following next_page_token until `limit` (None: all)."""
        token = ""
        seen = 0
        while True:
            size = page_size if limit is None else max(1, min(page_size, limit - seen))
            request = activity_pb.ListActivitiesRequest(page_size=size, page_token=token)
            page = await self.call(
                self.activities.ListActivities, request, activity_pb.ListActivitiesResponse
            )
            for activity in page.activities:
                yield activity
                seen += 1
                if limit is not None and seen >= limit:
                    return
            token = page.next_page_token
            if not token or not page.activities:
                return

    def watch(
        self, activity_id: str, timeout_s: float
    ) -> grpc.aio.UnaryStreamCall[activity_pb.WatchActivityRequest, activity_pb.WatchActivityResponse]:
        request = activity_pb.WatchActivityRequest(activity_id=activity_id)
        call: grpc.aio.UnaryStreamCall[
            activity_pb.WatchActivityRequest, activity_pb.WatchActivityResponse
        ] = self.activities.WatchActivity(request, metadata=self.metadata, timeout=timeout_s)
        return call
