"""Upload service test harness: the real service parts on real PostgreSQL, NATS and SeaweedFS."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fitcoach_runtime.settings import load_settings
from fitcoach_stack.service_process import ServiceProcess
from upload_service.main import Components, open_components
from upload_service.service import UploadTicket
from upload_service.settings import UploadSettings

DEV_SECRET = "upload-tests-dev-secret-0123456789abcdef"
SUPABASE_URL = "http://supabase.invalid"
STREAM = "FITCOACH_UPLOADS"


@dataclass(frozen=True)
class FitFile:
    """Bytes standing in for a FIT file (the upload service never parses them)."""

    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def size(self) -> int:
        return len(self.body)


@pytest.fixture
def make_file() -> Callable[[int], FitFile]:
    return lambda size=2048: FitFile(os.urandom(size))


@pytest.fixture
def upload_env(database_url: str, nats_server: Any, s3_bucket: Any) -> dict[str, str]:
    """Environment for one upload service on this test's database, private NATS and fresh bucket."""
    return {
        "GRPC_LISTEN": "127.0.0.1:0",
        "DATABASE_URL": database_url,
        "NATS_URL": nats_server.url,
        "NATS_STREAM": STREAM,
        **s3_bucket.env(),
        "AUTH_MODE": "dev",
        "SUPABASE_URL": SUPABASE_URL,
        "SUPABASE_JWT_SECRET": DEV_SECRET,
        "OUTBOX_POLL_INTERVAL_S": "0.2",
    }


@pytest.fixture
def upload_settings(upload_env: dict[str, str]) -> UploadSettings:
    return load_settings(UploadSettings, upload_env)


@pytest.fixture
async def parts(upload_settings: UploadSettings) -> AsyncIterator[Components]:
    """The service's components, connected and migrated; the relay is not running unless a test runs it."""
    async with AsyncExitStack() as resources:
        yield await open_components(resources, upload_settings)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def user_id() -> str:
    return str(uuid.uuid4())


Put = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def put(http: httpx.AsyncClient) -> Put:
    """PUT like a client would: the URL and exactly the headers CreateUpload returned (unless overridden)."""

    async def do_put(
        ticket: UploadTicket, body: bytes, *, url: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = dict(ticket.headers or {}) if headers is None else headers
        return await http.put(url or ticket.url, content=body, headers=sent)

    return do_put


async def _eventually(probe: Callable[[], Awaitable[Any]], timeout_s: float = 5.0) -> Any:
    """Polls `probe` until it returns something truthy (for effects of background tasks)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (value := await probe()):
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
    return value


@pytest.fixture
def eventually() -> Callable[..., Awaitable[Any]]:
    return _eventually


@pytest.fixture
async def relay_running(parts: Components) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """`await relay_running()` starts the service's relay as a background task (stopped after the test)."""
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(parts.relay.run()))

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture(scope="session")
async def legacy_template(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A generated legacy database at the original design's scale (330 files, ~46 MB), built once per
    session as a template that `legacy` clones (its files on disk are only ever read)."""
    from fitcoach_stack.legacy_db import create_legacy_database

    name = f"legacy_template_{uuid.uuid4().hex[:8]}"
    dsn = postgres_server.create_database(name)
    dataset = await create_legacy_database(dsn, tmp_path_factory.mktemp("legacy-files"))
    yield name, dataset
    postgres_server.drop_database(name)


@pytest.fixture
def legacy(postgres_server: Any, legacy_template: Any) -> Any:
    """A fresh copy of the generated legacy database for this test (a write-back changes it)."""
    template, dataset = legacy_template
    name = f"legacy_{uuid.uuid4().hex[:12]}"
    copy = dataclasses.replace(dataset, dsn=postgres_server.create_database(name, template=template))
    yield copy
    postgres_server.drop_database(name)


@pytest.fixture
async def small_legacy(legacy: Any) -> Any:
    """The legacy copy trimmed to its first 40 plain rows, keeping every duplicate and troublemaker: for tests
    that need each kind of row, not the full scale."""
    from fitcoach_stack.legacy_db import expected_outcome

    kept = [r for r in legacy.rows if r.id <= 40 or r.storage not in ("gzip", "zlib", "raw", "file", "file-gz")
            or r.duplicate_of is not None or r.legacy_user == "99"]  # fmt: skip
    conn = await asyncpg.connect(legacy.dsn)
    try:
        await conn.execute("DELETE FROM activities WHERE NOT id = ANY($1::bigint[])", [r.id for r in kept])
    finally:
        await conn.close()
    return dataclasses.replace(legacy, rows=kept, expected=expected_outcome(kept))


@pytest.fixture
def upload_process(
    upload_env: dict[str, str], tmp_path: Path, service_processes: Callable[..., ServiceProcess]
) -> ServiceProcess:
    """`python -m upload_service` as an operator runs it, logging to a file; `await .start()` → its port.
    Killed for real in crash tests (`.kill()`), and when the test ends."""
    return service_processes("upload", upload_env, tmp_path / "upload.log")
