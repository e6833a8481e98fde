"""A small but real FitCoach for fitctl's tests: a gRPC server (the runtime's own bootstrap, with dev-mode
token verification) serving UploadService and ActivityService with canned analysis, and a local HTTP
"object store" that records every PUT and answers like S3.

The server runs on its own event loop in a thread, so tests call the synchronous `fitctl.cli.main(argv)`
exactly as a user's shell would. Behaviour is chosen by the uploaded file's name:
  broken*  → analysis fails with a reason          deny*  → the store refuses the PUT (403, like S3)
  flaky*   → the first watch stream ends early      slow*  → analysis never finishes
  anything else → analyzed, then advice ready
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fitcoach.activity.v1 import activity_service_pb2 as activity_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as activity_grpc
from fitcoach.advisor.v1 import advisor_service_pb2 as advisor_pb
from fitcoach.upload.v1 import upload_service_pb2 as upload_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as upload_grpc
from fitcoach_runtime.auth import TokenVerifier, current_principal
from fitcoach_runtime.errors import FailedPrecondition, NotFound
from fitcoach_runtime.grpc_server import GrpcService, RunningServer, start_server
from fitcoach_runtime.settings import AuthSettings

SECRET = "fitctl-test-secret-" + "x" * 32
SUPABASE_URL = "http://supabase.test"
FAILURE_REASON = "not a FIT file: header size 0"
LIST_PAGE_CAP = 2  # the fake answers at most 2 per page, so fitctl must follow next_page_token


@dataclass
class StoredPut:
    path: str
    headers: dict[str, str]
    raw_headers: list[tuple[str, str]]
    body: bytes


class ObjectStore:
    """Records PUTs; `/deny/...` answers 403 with an S3 error document."""

    def __init__(self) -> None:
        self.puts: dict[str, StoredPut] = {}
        self.lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.path.startswith("/deny/"):
                    payload = (
                        b"<?xml version='1.0'?><Error><Code>AccessDenied</Code>"
                        b"<Message>Request has expired</Message></Error>"
                    )
                    self.send_response(403)
                else:
                    key = self.path.split("?")[0]
                    with store.lock:
                        store.puts[key] = StoredPut(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            self.headers.items(),
                            body,
                        )
                    payload = b""
                    self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeActivity:
    activity_id: str
    user_id: str
    file_name: str
    size_bytes: int
    sha256: str
    key: str
    status: int = activity_pb.ACTIVITY_STATUS_PENDING
    watch_calls: int = 0


def canned_analysis(item: FakeActivity) -> activity_pb.Activity:
    activity = activity_pb.Activity(
        activity_id=item.activity_id,
        file_name=item.file_name,
        size_bytes=item.size_bytes,
        sha256=item.sha256,
        status=item.status,
    )
    if item.file_name.startswith("broken"):
        activity.failure_reason = FAILURE_REASON
        return activity
    if item.status != activity_pb.ACTIVITY_STATUS_ANALYZED:
        return activity
    activity.advice_status = activity_pb.ADVICE_STATUS_READY
    activity.sport = "running"
    activity.start_time.FromSeconds(1_700_000_000)
    activity.device = "garmin fenix5"
    activity.record_count = 3000
    activity.analyzer_version = "test-1"
    summary = activity_pb.MetricSet(
        distance_m=10_000.0,
        timer_time_s=3000.0,
        moving_time_s=2950.0,
        elapsed_time_s=3100.0,
        avg_speed_mps=10_000.0 / 3000.0,
        avg_hr_bpm=150.0,
        max_hr_bpm=175.0,
        ascent_m=120.0,
        calories_kcal=700.0,
    )
    activity.summary.CopyFrom(summary)
    session = activity.sessions.add(sport="running", sub_sport="generic")
    session.device.CopyFrom(summary)
    session.computed.CopyFrom(summary)
    for index in (1, 2):
        lap = session.laps.add(index=index)
        lap.metrics.distance_m = 5000.0
        lap.metrics.timer_time_s = 1500.0
    for index in range(1, 11):
        session.splits_km.add(
            index=index, distance_m=1000.0, time_s=300.0, pace_s_per_km=300.0, avg_hr_bpm=150.0
        )
    session.streams.elapsed_s.extend([0.0, 1.0])
    session.streams.heart_rate_bpm.extend([float("nan"), 120.0])
    activity.advice.CopyFrom(
        advisor_pb.Advice(
            summary="A steady 10 km run.",
            went_well=["Even pacing"],
            to_improve=["Cadence"],
            next_session="Easy 40 minutes.",
            language="en",
            engine=advisor_pb.ENGINE_OFFLINE,
            fallback_reason="no API key",
        )
    )
    return activity


class FakeBackend(upload_grpc.UploadServiceServicer, activity_grpc.ActivityServiceServicer):
    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.activities: dict[str, FakeActivity] = {}
        self.upload_headers_sent: dict[str, dict[str, str]] = {}
        self.page_sizes: list[int] = []

    def _mine(self, activity_id: str) -> FakeActivity:
        item = self.activities.get(activity_id)
        if item is None or item.user_id != current_principal().user_id:
            raise NotFound("activity not found")
        return item

    async def CreateUpload(self, request: Any, context: Any) -> upload_pb.CreateUploadResponse:
        user = current_principal().user_id
        for item in self.activities.values():
            if item.user_id == user and item.sha256 == request.sha256:
                return upload_pb.CreateUploadResponse(activity_id=item.activity_id, duplicate=True)
        activity_id = str(uuid.uuid4())
        key = f"/{'deny' if request.file_name.startswith('deny') else 'ok'}/users/{user}/{activity_id}.fit"
        self.activities[activity_id] = FakeActivity(
            activity_id, user, request.file_name, request.size_bytes, request.sha256, key
        )
        # Headers shaped like a real presigned PUT: the signed checksum, a content type and the length.
        headers = {
            "Content-Length": str(request.size_bytes),
            "Content-Type": "application/vnd.ant.fit",
            "x-amz-checksum-sha256": f"sig-{request.sha256[:16]}",
        }
        self.upload_headers_sent[activity_id] = headers
        return upload_pb.CreateUploadResponse(
            activity_id=activity_id,
            upload_url=f"{self.store.url}{key}?X-Amz-Signature=SECRET{activity_id.replace('-', '')}",
            upload_headers=headers,
        )

    async def CompleteUpload(self, request: Any, context: Any) -> upload_pb.CompleteUploadResponse:
        item = self._mine(request.activity_id)
        stored = self.store.puts.get(item.key)
        if stored is None or hashlib.sha256(stored.body).hexdigest() != item.sha256:
            raise FailedPrecondition("object missing or different from CreateUpload")
        item.status = activity_pb.ACTIVITY_STATUS_UPLOADED
        return upload_pb.CompleteUploadResponse(activity_id=item.activity_id, status="uploaded")

    async def GetActivity(self, request: Any, context: Any) -> activity_pb.GetActivityResponse:
        return activity_pb.GetActivityResponse(activity=canned_analysis(self._mine(request.activity_id)))

    async def ListActivities(self, request: Any, context: Any) -> activity_pb.ListActivitiesResponse:
        self.page_sizes.append(request.page_size)
        user = current_principal().user_id
        mine = [a for a in reversed(self.activities.values()) if a.user_id == user]
        start = int(request.page_token or 0)
        size = min(request.page_size or 20, LIST_PAGE_CAP)
        page = mine[start : start + size]
        more = start + size < len(mine)
        response = activity_pb.ListActivitiesResponse(next_page_token=str(start + size) if more else "")
        for item in page:
            listed = canned_analysis(item)
            del listed.sessions[:]
            listed.ClearField("advice")
            response.activities.append(listed)
        return response

    async def WatchActivity(
        self, request: Any, context: Any
    ) -> AsyncIterator[activity_pb.WatchActivityResponse]:
        item = self._mine(request.activity_id)
        item.watch_calls += 1

        def change(status: int, advice: int = 0, reason: str = "") -> activity_pb.WatchActivityResponse:
            item.status = status
            return activity_pb.WatchActivityResponse(
                activity_id=item.activity_id, status=status, advice_status=advice, failure_reason=reason
            )

        if item.status == activity_pb.ACTIVITY_STATUS_ANALYZED:  # already done (e.g. a duplicate upload)
            yield change(item.status, activity_pb.ADVICE_STATUS_READY)
            return
        yield change(activity_pb.ACTIVITY_STATUS_UPLOADED)
        if item.file_name.startswith("flaky") and item.watch_calls == 1:
            return  # the stream ends without a final state, as when a gateway drops it
        yield change(activity_pb.ACTIVITY_STATUS_ANALYZING)
        if item.file_name.startswith("slow"):
            await asyncio.sleep(3600)
        if item.file_name.startswith("broken"):
            yield change(activity_pb.ACTIVITY_STATUS_FAILED, reason=FAILURE_REASON)
            return
        yield change(activity_pb.ACTIVITY_STATUS_ANALYZED, activity_pb.ADVICE_STATUS_PENDING)
        yield change(activity_pb.ACTIVITY_STATUS_ANALYZED, activity_pb.ADVICE_STATUS_READY)


@dataclass
class FakeStack:
    gateway_url: str
    store: ObjectStore
    backend: FakeBackend
    settings: AuthSettings
    loop: asyncio.AbstractEventLoop = field(repr=False)

    def stack_env(self, folder: Path) -> Path:
        """Write `.fitcoach/stack.env` under `folder` the way `make run` does."""
        path = folder / ".fitcoach" / "stack.env"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"FITCOACH_GATEWAY_URL={self.gateway_url}\nSUPABASE_JWT_SECRET={SECRET}\nSUPABASE_URL={SUPABASE_URL}\n"
        )
        return path


@pytest.fixture(scope="session")
def fake_stack() -> Iterator[FakeStack]:
    store = ObjectStore()
    backend = FakeBackend(store)
    settings = AuthSettings(mode="dev", supabase_url=SUPABASE_URL, jwt_secret=SECRET)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> RunningServer:
        services = [
            GrpcService(
                upload_pb.DESCRIPTOR.services_by_name["UploadService"].full_name,
                upload_grpc.add_UploadServiceServicer_to_server,
                backend,
            ),
            GrpcService(
                activity_pb.DESCRIPTOR.services_by_name["ActivityService"].full_name,
                activity_grpc.add_ActivityServiceServicer_to_server,
                backend,
            ),
        ]
        return await start_server("127.0.0.1:0", services, verifier=TokenVerifier(settings))

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield FakeStack(f"http://127.0.0.1:{server.port}", store, backend, settings, loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        store.close()


@pytest.fixture
def workdir(tmp_path: Path, fake_stack: FakeStack, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh checkout-like folder with a stack.env (so a fresh dev user), as the current directory."""
    fake_stack.stack_env(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_fit(folder: Path, name: str, payload: bytes | None = None) -> Path:
    """A file with unique bytes (the fake store does not decode: content only has to hash uniquely)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload if payload is not None else b".FIT" + uuid.uuid4().bytes * 64)
    return path


@pytest.fixture
def make_fit(workdir: Path) -> Any:
    return lambda name, payload=None: write_fit(workdir, name, payload)
