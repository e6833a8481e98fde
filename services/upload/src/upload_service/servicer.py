"""UploadService gRPC servicer: proto ↔ domain, nothing else."""

from __future__ import annotations

from fitcoach.upload.v1 import upload_service_pb2, upload_service_pb2_grpc
from fitcoach_runtime.auth import current_principal
from fitcoach_runtime.grpc_server import ServicerContext

from upload_service.service import UploadService


class UploadServicer(upload_service_pb2_grpc.UploadServiceServicer):
    def __init__(self, service: UploadService) -> None:
        self.service = service

    async def CreateUpload(
        self, request: upload_service_pb2.CreateUploadRequest, context: ServicerContext
    ) -> upload_service_pb2.CreateUploadResponse:
        principal = current_principal()
        ticket = await self.service.create_upload(
            principal.user_id, request.file_name, request.size_bytes, request.sha256
        )
        response = upload_service_pb2.CreateUploadResponse(
            activity_id=ticket.activity_id,
            duplicate=ticket.duplicate,
            upload_url=ticket.url,
            upload_headers=dict(ticket.headers or {}),
        )
        if ticket.expires_at is not None:
            response.expires_at.FromDatetime(ticket.expires_at)
        return response

    async def CompleteUpload(
        self, request: upload_service_pb2.CompleteUploadRequest, context: ServicerContext
    ) -> upload_service_pb2.CompleteUploadResponse:
        principal = current_principal()
        activity_id, status = await self.service.complete_upload(principal.user_id, request.activity_id)
        return upload_service_pb2.CompleteUploadResponse(activity_id=activity_id, status=status)

    async def DeleteActivity(
        self, request: upload_service_pb2.DeleteActivityRequest, context: ServicerContext
    ) -> upload_service_pb2.DeleteActivityResponse:
        deleted = await self.service.delete_activity(current_principal().user_id, request.activity_id)
        return upload_service_pb2.DeleteActivityResponse(deleted=deleted)

    async def GetDownloadUrl(
        self, request: upload_service_pb2.GetDownloadUrlRequest, context: ServicerContext
    ) -> upload_service_pb2.GetDownloadUrlResponse:
        activity, presigned = await self.service.download_url(
            current_principal().user_id, request.activity_id
        )
        response = upload_service_pb2.GetDownloadUrlResponse(
            download_url=presigned.url, file_name=activity.file_name
        )
        response.expires_at.FromDatetime(presigned.expires_at)
        return response
