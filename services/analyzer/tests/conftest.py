"""The analyzer on real servers: a fresh database, bucket and NATS per test, the real advisor beside it."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import nats
import pytest
from advisor_service.service import Advisor
from advisor_service.servicer import SERVICE_NAME as ADVISOR_SERVICE
from advisor_service.servicer import AdvisorServicer, caller_activity_id
from analyzer_service.main import build
from analyzer_service.repository import pool_init
from analyzer_service.settings import AnalyzerSettings
from fitcoach.activity.v1 import activity_service_pb2 as pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as pb_grpc
from fitcoach.advisor.v1 import advisor_service_pb2_grpc as advisor_grpc
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.auth import ServiceTokenVerifier, mint_dev_token
from fitcoach_runtime.db import apply_migrations
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED, ensure_stream
from fitcoach_runtime.grpc_client import bearer, insecure_channel
from fitcoach_runtime.grpc_server import GrpcService, ServiceResources, start_server
from fitcoach_runtime.settings import load_settings
from fitcoach_runtime.storage import object_key, s3_client
from fitcoach_stack.fixtures import FIT as FIXTURES
from fitcoach_stack.service_process import ServiceProcess

# --import-mode=importlib does not put test folders on sys.path; the helpers live in analyzer_testkit/ (and
# decode workers must import the stand-ins by name).
TESTS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS_DIR))

from analyzer_testkit.stand_ins import STAND_INS  # noqa: E402

GOOD_RUN = FIXTURES / "run-fenix2-gps-hr.fit"
JWT_SECRET = "analyzer-tests-secret-" + "x" * 32
ADVISOR_SERVICE_TOKEN = "analyzer-tests-advisor-token-" + "a" * 32
STREAM = "FITCOACH_UPLOADS"


class CountingAdvisor(AdvisorServicer):
    """The real advisor servicer (offline coach), counting calls so tests can prove Gemini is not re-asked."""

    SERVICE_TOKEN = ADVISOR_SERVICE_TOKEN  # the one token it accepts (tests cannot import conftest)

    def __init__(self) -> None:
        super().__init__(Advisor(None))
        self.calls = 0
        self.activity_ids: list[str | None] = []  # what each call said it was for (fitcoach-activity-id)
        self.fail_next = 0  # answer UNAVAILABLE this many times first
        self.requests: list[Any] = []  # every GenerateAdviceRequest received, in order

    async def GenerateAdvice(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        self.calls += 1
        self.activity_ids.append(caller_activity_id(context))
        self.requests.append(request)
        if self.fail_next > 0:
            self.fail_next -= 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, "advisor warming up")
        return await super().GenerateAdvice(request, context)


@dataclass
class Upload:
    activity_id: str
    user_id: str
    key: str
    sha256: str
    size: int


@dataclass
class Harness:
    """A running analyzer with handles on everything around it."""

    pool: asyncpg.Pool
    js: Any
    s3: Any
    bucket: str
    port: int
    advisor: CountingAdvisor
    settings: AnalyzerSettings
    stub: pb_grpc.ActivityServiceStub
    channel: grpc.aio.Channel
    resources: ServiceResources
    env: dict[str, str] = field(default_factory=dict)

    async def stop(self) -> None:
        """Stop this analyzer (consumer, gRPC server, decode workers), as a deploy would."""
        await self.resources.aclose()

    def token(self, user_id: str) -> tuple[tuple[str, str], ...]:
        return bearer(mint_dev_token(JWT_SECRET, issuer=self.settings.auth.issuer, user_id=user_id))

    def operator(self) -> tuple[tuple[str, str], ...]:
        """An operator's call metadata (app_metadata.role = operator)."""
        return bearer(mint_dev_token(JWT_SECRET, issuer=self.settings.auth.issuer, operator=True))

    @property
    def ops(self) -> ops_grpc.OpsServiceStub:
        return ops_grpc.OpsServiceStub(self.channel)

    async def add_upload(
        self,
        data: bytes,
        *,
        user_id: str | None = None,
        status: str = "uploaded",
        declared_sha256: str | None = None,
        put: bool = True,
    ) -> Upload:
        """An upload row as the upload service writes it, and the object in the bucket."""
        user_id = user_id or str(uuid.uuid4())
        activity_id = str(uuid.uuid4())
        key = object_key(user_id, activity_id)
        sha = declared_sha256 or hashlib.sha256(data).hexdigest()
        await self.pool.execute(
            """
            INSERT INTO upload.activities (id, user_id, file_name, size_bytes, sha256, object_key, status,
                uploaded_at, url_expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 = 'uploaded' THEN now() END, now() + interval '15 min')
            """,
            uuid.UUID(activity_id),
            uuid.UUID(user_id),
            "my run.fit",
            max(len(data), 1),
            sha,
            key,
            status,
        )
        if put:
            await self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return Upload(activity_id, user_id, key, sha, len(data))

    async def publish(self, upload: Upload, *, msg_id: str | None = None) -> int:
        event = events_pb2.UploadCompleted(
            event_id=msg_id or str(uuid.uuid4()),
            activity_id=upload.activity_id,
            user_id=upload.user_id,
            bucket=self.bucket,
            object_key=upload.key,
            size_bytes=upload.size,
            sha256=upload.sha256,
        )
        event.uploaded_at.FromDatetime(dt.datetime.now(dt.UTC))
        ack = await self.js.publish(
            SUBJECT_UPLOAD_COMPLETED, event.SerializeToString(), headers={"Nats-Msg-Id": event.event_id}
        )
        return int(ack.seq)

    async def submit(self, data: bytes, **kwargs: Any) -> Upload:
        upload = await self.add_upload(data, **kwargs)
        await self.publish(upload)
        return upload

    async def state(self, activity_id: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            "SELECT * FROM analyzer.activities WHERE activity_id = $1", uuid.UUID(activity_id)
        )

    async def wait_for(
        self, activity_id: str, predicate: Callable[[asyncpg.Record], bool], within_s: float = 20.0
    ) -> asyncpg.Record:
        deadline = time.monotonic() + within_s
        row = None
        while time.monotonic() < deadline:
            row = await self.state(activity_id)
            if row is not None and predicate(row):
                return row
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"activity {activity_id} did not reach the expected state; last: {dict(row or {})}"
        )

    async def settled(self, activity_id: str, within_s: float = 20.0) -> asyncpg.Record:
        """Wait until analyzed with advice settled, or failed."""
        return await self.wait_for(
            activity_id,
            lambda r: (
                r["status"] == "failed"
                or (r["status"] == "analyzed" and r["advice_status"] in ("ready", "failed"))
            ),
            within_s,
        )

    async def get(self, activity_id: str, user_id: str) -> pb.Activity:
        response = await self.stub.GetActivity(
            pb.GetActivityRequest(activity_id=activity_id), metadata=self.token(user_id), timeout=10
        )
        return response.activity

    async def consumer_info(self) -> Any:
        return await self.js.consumer_info(STREAM, "analyzer")

    async def acked(self, messages: int = 1, within_s: float = 20.0) -> Any:
        """Consumer info once `messages` stream messages were delivered and nothing is pending or unacked.

        The ack follows the commit, so a test that saw a row settle waits here before looking at the stream."""
        deadline = time.monotonic() + within_s
        while True:
            info = await self.consumer_info()
            if info.delivered.stream_seq >= messages and (info.num_ack_pending, info.num_pending) == (0, 0):
                return info
            assert time.monotonic() < deadline, info
            await asyncio.sleep(0.05)


def analyzer_env(
    database_url: str, nats_url: str, s3_env: Mapping[str, str], advisor_port: int, **overrides: str
) -> dict[str, str]:
    return {
        **s3_env,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "NATS_STREAM": STREAM,
        "GRPC_LISTEN": "127.0.0.1:0",
        "AUTH_MODE": "dev",
        "SUPABASE_URL": "http://127.0.0.1:54321",
        "SUPABASE_JWT_SECRET": JWT_SECRET,
        "ADVISOR_ADDR": f"127.0.0.1:{advisor_port}",
        "ADVISOR_SERVICE_TOKEN": ADVISOR_SERVICE_TOKEN,
        "ADVISOR_TIMEOUT_S": "10",
        "DECODE_TIMEOUT_S": "30",
        "DECODE_WORKERS": "1",  # one file at a time in most tests; tests that need more say so
        "CONSUMER_FETCH_TIMEOUT_S": "1",
        "CONSUMER_ACK_WAIT_S": "10",
        "CONSUMER_NAK_BASE_DELAY_S": "0.2",
        "WATCH_POLL_S": "2",
        "LOG_FORMAT": "console",
        **overrides,
    }


@pytest.fixture
async def advisor() -> AsyncIterator[tuple[CountingAdvisor, int]]:
    servicer = CountingAdvisor()
    running = await start_server(
        "127.0.0.1:0",
        [GrpcService(ADVISOR_SERVICE, advisor_grpc.add_AdvisorServiceServicer_to_server, servicer)],
        verifier=ServiceTokenVerifier([ADVISOR_SERVICE_TOKEN]),  # as the advisor's main.start wires it
    )
    yield servicer, running.port
    await running.stop(0)


@pytest.fixture
def analyzer_overrides(request: pytest.FixtureRequest) -> dict[str, str]:
    """Tests override settings with `@pytest.mark.parametrize("analyzer_overrides", [{...}], indirect=True)`."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
async def analyzer_factory(
    database_url: str,
    nats_server: Any,
    s3_bucket: Any,
    advisor: tuple[CountingAdvisor, int],
) -> AsyncIterator[Callable[..., Any]]:
    """Starts the analyzer in-process (main.build: the same wiring as `python -m analyzer_service`)."""
    servicer, advisor_port = advisor
    async with AsyncExitStack() as stack:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4, init=pool_init())
        stack.push_async_callback(pool.close)
        await apply_migrations(pool, "upload", "upload_service")
        nc = await nats.connect(nats_server.url)
        stack.push_async_callback(nc.close)
        await ensure_stream(nc.jetstream(), STREAM)  # as the upload service does; events can be published
        s3 = await stack.enter_async_context(s3_client(s3_bucket.settings()))

        async def start(stand_in: str | None = None, **overrides: str) -> Harness:
            """stand_in: run that entry of analyzer_testkit.stand_ins in the decode workers."""
            env = analyzer_env(database_url, nats_server.url, s3_bucket.env(), advisor_port, **overrides)
            settings = load_settings(AnalyzerSettings, env)
            resources = await stack.enter_async_context(ServiceResources())
            code = STAND_INS[stand_in] if stand_in else None
            running = await build(resources, settings, analysis_code=code)
            resources.push_async_callback(running.stop, 0)
            channel = insecure_channel(f"127.0.0.1:{running.port}")
            stack.push_async_callback(channel.close)
            return Harness(
                pool=pool,
                js=nc.jetstream(),
                s3=s3,
                bucket=s3_bucket.bucket,
                port=running.port,
                advisor=servicer,
                settings=settings,
                stub=pb_grpc.ActivityServiceStub(channel),
                channel=channel,
                resources=resources,
                env=env,
            )

        yield start


@pytest.fixture
async def analyzer(analyzer_factory: Callable[..., Any], analyzer_overrides: dict[str, str]) -> Harness:
    return await analyzer_factory(**analyzer_overrides)


@pytest.fixture
def analyzer_processes(service_processes: Callable[..., ServiceProcess]) -> Callable[..., ServiceProcess]:
    """`analyzer_processes(env, log)`: a real `python -m analyzer_service`, launched (a ServiceProcess);
    `stand_in="slow"` runs the same service with that decoder stand-in, through the test-only entry point.
    Every one is killed when the test ends."""

    def launch(env: Mapping[str, str], log: Path, stand_in: str = "") -> ServiceProcess:
        entry: dict[str, Any] = {"module": "analyzer_testkit.serve", "args": [stand_in]} if stand_in else {}
        process = service_processes("analyzer", env, log, pythonpath=TESTS_DIR, **entry)
        process.launch()
        return process

    return launch


@pytest.fixture(scope="session")
def good_run() -> bytes:
    return GOOD_RUN.read_bytes()


@pytest.fixture(scope="session")
def fit_file() -> Callable[[str], bytes]:
    """The bytes of a fixture from ../shared/fixtures/fit by name."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def stream_name() -> str:
    return STREAM
