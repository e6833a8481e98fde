"""Raw gRPC over HTTP/2 and gRPC-web over HTTP/1.1, byte for byte, for the hostile-client tests.

grpcio will not send what an attacker sends: a unary call without a request message, a frame header that
promises more bytes than follow, a body that never ends, a header larger than the peer allows. These
clients send exactly the bytes asked for and report what came back: the HTTP status, `grpc-status` and
`grpc-message` (from headers or trailers), an RST_STREAM or GOAWAY code, or nothing within the wait.

    async with H2Client("127.0.0.1:8080") as client:          # one HTTP/2 connection, many streams
        reply = await client.call("/pkg.Service/Method", body=None, wait=5)   # END_STREAM, no message
    reply = await grpc_web_call("127.0.0.1:8080", "/pkg.Service/Method", body=b"", wait=5)
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

Headers = Sequence[tuple[str, str]]


def grpc_frame(message: bytes, *, declared_length: int | None = None, flag: int = 0) -> bytes:
    """One length-prefixed gRPC message; `declared_length` lies about the length when given."""
    length = len(message) if declared_length is None else declared_length
    return struct.pack(">BI", flag, length) + message


@dataclass
class RawReply:
    """What the peer answered on one stream (None: it did not say)."""

    http_status: int | None = None
    grpc_status: int | None = None
    grpc_message: str = ""
    reset_code: int | None = None  # RST_STREAM on this stream
    goaway_code: int | None = None  # the whole connection was closed with GOAWAY
    connection_closed: bool = False
    data: bytes = b""
    elapsed_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """The stream ended one way or another (status, reset, or the connection going away)."""
        return (
            self.grpc_status is not None
            or self.reset_code is not None
            or self.goaway_code is not None
            or self.connection_closed
            or (self.http_status is not None and self.http_status != 200)
        )


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _absorb_headers(reply: RawReply, headers: Any) -> None:
    for key, value in headers:
        name, text = _text(key).strip().lower(), _text(value).strip()
        reply.headers[name] = text
        if name == ":status":
            reply.http_status = int(text)
        elif name == "grpc-status":
            reply.grpc_status = int(text)
        elif name == "grpc-message":
            reply.grpc_message = text


class H2Client:
    """One HTTP/2 (prior knowledge, h2c) connection on which calls run as concurrent streams."""

    def __init__(self, address: str, *, authority: str | None = None) -> None:
        self.address = address
        self.authority = authority or address
        self._conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding=None, validate_outbound_headers=False)
        )
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: dict[int, RawReply] = {}
        self._done: dict[int, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None
        self.peer_settings: dict[int, int] = {}

    async def __aenter__(self) -> H2Client:
        host, _, port = self.address.rpartition(":")
        self._reader, self._writer = await asyncio.open_connection(host, int(port))
        # Room for many streams' answers without window updates getting in the way of the tests.
        self._conn.local_settings = h2.settings.Settings(
            client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24}
        )
        self._conn.initiate_connection()
        self._conn.increment_flow_control_window(1 << 30)
        await self._flush()
        self._task = asyncio.create_task(self._read_loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()

    async def _flush(self) -> None:
        assert self._writer is not None
        data = self._conn.data_to_send()
        if data:
            self._writer.write(data)
            with contextlib.suppress(OSError):
                await self._writer.drain()

    def _end(self, stream_id: int) -> None:
        if stream_id in self._done:
            self._done[stream_id].set()

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                data = await self._reader.read(65536)
                if not data:
                    break
                try:
                    events = self._conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    break
                for event in events:
                    self._on_event(event)
                await self._flush()
        except OSError:
            pass
        for stream_id, reply in self._replies.items():
            if not self._done[stream_id].is_set():
                reply.connection_closed = True
                self._end(stream_id)

    def _on_event(self, event: h2.events.Event) -> None:
        stream_id = getattr(event, "stream_id", None)
        reply = self._replies.get(stream_id) if stream_id else None
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self.peer_settings.update({int(k): v.new_value for k, v in event.changed_settings.items()})
        elif isinstance(event, h2.events.ConnectionTerminated):
            for sid, other in self._replies.items():
                if not self._done[sid].is_set():
                    other.goaway_code = int(event.error_code or 0)
                    self._end(sid)
        elif reply is None:
            return
        elif isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
            _absorb_headers(reply, event.headers)
            if event.stream_ended is not None:
                self._end(event.stream_id)
        elif isinstance(event, h2.events.DataReceived):
            reply.data += event.data
            self._conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_ended is not None:
                self._end(event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self._end(event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            reply.reset_code = int(event.error_code)
            self._end(event.stream_id)

    async def start(
        self,
        path: str,
        *,
        body: bytes | None,
        token: str | None = None,
        headers: Headers = (),
        end_stream: bool = True,
        content_type: str = "application/grpc",
    ) -> int:
        """Open a stream and send headers (+ `body` when not None); returns the stream id. `body=None` with
        `end_stream` sends HEADERS with END_STREAM: a call without any request message."""
        stream_id = self._conn.get_next_available_stream_id()
        request = [
            (":method", "POST"), (":scheme", "http"), (":authority", self.authority), (":path", path),
            ("content-type", content_type), ("te", "trailers"),
        ]  # fmt: skip
        if token is not None:
            request.append(("authorization", f"Bearer {token}"))
        request.extend(headers)
        self._replies[stream_id] = RawReply()
        self._done[stream_id] = asyncio.Event()
        self._conn.send_headers(stream_id, request, end_stream=end_stream and body is None)
        if body is not None:
            self._conn.send_data(stream_id, body, end_stream=end_stream)
        await self._flush()
        return stream_id

    async def finish(self, stream_id: int, wait: float) -> RawReply:
        """The reply on `stream_id`, after it ended or `wait` seconds (then `answered` is False)."""
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done[stream_id].wait(), wait)
        reply = self._replies[stream_id]
        reply.elapsed_s = time.monotonic() - started
        return reply

    async def call(self, path: str, *, body: bytes | None, wait: float = 10.0, **kwargs: Any) -> RawReply:
        return await self.finish(await self.start(path, body=body, **kwargs), wait)


async def grpc_web_call(
    address: str,
    path: str,
    *,
    body: bytes,
    content_length: int | None = None,
    token: str | None = None,
    headers: Headers = (),
    wait: float = 10.0,
) -> RawReply:
    """A gRPC-web POST over HTTP/1.1 that sends `body` and then nothing more; `content_length` (default:
    the body's length) may promise more. Reads until the response ends, the connection closes or `wait`."""
    host, _, port = address.rpartition(":")
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [
        f"POST {path} HTTP/1.1", f"host: {address}", "content-type: application/grpc-web+proto",
        "x-grpc-web: 1", f"content-length: {len(body) if content_length is None else content_length}",
    ]  # fmt: skip
    if token is not None:
        lines.append(f"authorization: Bearer {token}")
    lines.extend(f"{k}: {v}" for k, v in headers)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    reply = RawReply()
    received = b""
    try:
        await writer.drain()
        deadline = started + wait
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), remaining)
            except TimeoutError:
                break
            if not chunk:
                reply.connection_closed = True
                break
            received += chunk
            if _parse_http1(received, reply):
                break
    except OSError:
        reply.connection_closed = True
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    reply.elapsed_s = time.monotonic() - started
    return reply


def _parse_http1(raw: bytes, reply: RawReply) -> bool:
    """Fills `reply` from a (possibly partial) HTTP/1.1 response; True once it is complete."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    reply.http_status = int(status_line.split()[1])
    header_pairs = [line.split(":", 1) for line in header_lines if ":" in line]
    _absorb_headers(reply, [(k.strip(), v.strip()) for k, v in header_pairs])
    if reply.headers.get("transfer-encoding", "").lower() == "chunked":
        body, complete = _dechunk(body)
    else:
        length = int(reply.headers.get("content-length", "0"))
        complete = len(body) >= length
        body = body[:length]
    reply.data = body
    # gRPC-web trailers travel as the last frame of the body (flag 0x80).
    offset = 0
    while offset + 5 <= len(body):
        flag, length = struct.unpack_from(">BI", body, offset)
        if flag & 0x80:
            lines = body[offset + 5 : offset + 5 + length].decode("latin-1").split("\r\n")
            _absorb_headers(reply, [line.split(":", 1) for line in lines if ":" in line])
        offset += 5 + length
    return complete


def _dechunk(body: bytes) -> tuple[bytes, bool]:
    out = b""
    while True:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            return out, False
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            return out, True
        if len(rest) < size + 2:
            return out, False
        out += rest[:size]
        body = rest[size + 2 :]
