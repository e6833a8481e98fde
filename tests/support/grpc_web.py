"""A minimal gRPC-web client (what a browser's grpc-web transport sends), for end-to-end tests through Envoy.

A gRPC-web call is an HTTP/1.1 POST of length-prefixed frames: flag byte (0 = message, 0x80 = trailers),
4-byte big-endian length, payload. The trailers frame carries `grpc-status`/`grpc-message` as HTTP header
lines. Envoy's grpc_web filter translates it to native gRPC for the upstream service.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import httpx
from google.protobuf.message import Message


@dataclass
class GrpcWebResult:
    status: int
    message: str
    payloads: list[bytes] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def _frame(payload: bytes, flag: int = 0) -> bytes:
    return struct.pack(">BI", flag, len(payload)) + payload


def parse_frames(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    messages: list[bytes] = []
    trailers: dict[str, str] = {}
    offset = 0
    while offset + 5 <= len(body):
        flag, length = struct.unpack_from(">BI", body, offset)
        payload = body[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if flag & 0x80:
            for line in payload.decode("latin-1").split("\r\n"):
                if ":" in line:
                    key, _, value = line.partition(":")
                    trailers[key.strip().lower()] = value.strip()
        else:
            messages.append(payload)
    return messages, trailers


def call(
    base_url: str,
    method: str,
    request: Message,
    *,
    token: str | None = None,
    origin: str | None = None,
    timeout: float = 30.0,
) -> GrpcWebResult:
    """POST one gRPC-web call (`method` like "/fitcoach.upload.v1.UploadService/CreateUpload")."""
    headers = {
        "content-type": "application/grpc-web+proto",
        "x-grpc-web": "1",
        "x-user-agent": "grpc-web-test",
    }
    if token:
        headers["authorization"] = f"Bearer {token}"
    if origin:
        headers["origin"] = origin
    response = httpx.post(
        base_url.rstrip("/") + method,
        content=_frame(request.SerializeToString()),
        headers=headers,
        timeout=timeout,
    )
    messages, trailers = parse_frames(response.content)
    # Trailers-only responses put grpc-status in the HTTP headers instead of a trailers frame.
    status = trailers.get(
        "grpc-status", response.headers.get("grpc-status", "2" if response.status_code != 200 else "0")
    )
    message = trailers.get("grpc-message", response.headers.get("grpc-message", ""))
    return GrpcWebResult(
        status=int(status), message=message, payloads=messages, headers=dict(response.headers)
    )
