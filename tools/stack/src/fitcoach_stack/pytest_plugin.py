"""pytest fixtures that start the real servers tests need (loaded for every test via pyproject addopts).

Importing this module is cheap and starts nothing: servers start the first time a test asks for them and
stop at session end (all at once, in threads, so SeaweedFS's slow exit doesn't add up).

Session servers:  `postgres_server` (object) / `pg_server` (its DSN), `nats_url`, `s3_server`, `moto_server`.
Per test:         `database_url` (a fresh database), `s3_bucket` (a fresh bucket; `moto_bucket` one on moto;
                  `any_s3_bucket` one on each, the test runs for both), `nats_server` (a fresh
                  NATS a test may stop/start), `nats_server_factory`, `envoy_factory`, `stack_factory`
                  (the services + Envoy on those), `nats_cluster` (3 nodes), `service_processes` (services
                  run as real processes), and the autouse `clean_env` that removes FitCoach's variables from
                  the environment.

External servers for tests are opt-in with FITCOACH_TEST_DATABASE_URL, FITCOACH_TEST_NATS_URL and
FITCOACH_TEST_S3_ENDPOINT_URL (+ FITCOACH_TEST_R2_ACCESS_KEY / FITCOACH_TEST_R2_SECRET_KEY): the plain
DATABASE_URL etc. of a developer's shell are never used by tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from fitcoach_stack.servers import (
        EnvoyServer,
        ExternalPostgres,
        NatsCluster,
        NatsServer,
        PostgresServer,
        S3Credentials,
        Server,
    )
    from fitcoach_stack.service_process import ServiceProcess
    from fitcoach_stack.stack import Stack

# Variables the services, SDKs (boto, google-genai, libpq/asyncpg) read; a test sets what it needs explicitly.
_ENV_PREFIXES = (
    "FITCOACH_", "DATABASE_", "NATS_", "S3_", "R2_", "SUPABASE_", "AUTH_", "GEMINI_", "GOOGLE_", "AWS_",
    "GRPC_", "METRICS_", "LOG_", "DECODE_", "MAX_UPLOAD", "UPLOAD_", "ADVISOR_", "SHUTDOWN_", "PG",
)  # fmt: skip
_ENV_KEEP_PREFIX = "FITCOACH_TEST_"
# Read once, at import, before any test's clean_env ran.
_TEST_ENV: dict[str, str] = {k: v for k, v in os.environ.items() if k.startswith(_ENV_KEEP_PREFIX)}


def _test_env() -> dict[str, str]:
    """FITCOACH_TEST_X → X, for the *_from_env helpers."""
    return {k.removeprefix(_ENV_KEEP_PREFIX): v for k, v in _TEST_ENV.items()}


_S = TypeVar("_S", bound="Server")


class _Servers:
    """Everything this plugin started, stopped together at session end."""

    def __init__(self) -> None:
        self.started: list[Server] = []

    def add(self, server: _S) -> _S:
        self.started.append(server)
        server.start()
        return server

    def stop_all(self) -> None:
        servers, self.started = self.started, []
        if servers:
            with ThreadPoolExecutor(max_workers=len(servers)) as pool:
                # Test data is throwaway: a short grace, then SIGKILL (weed alone would take ~3 s).
                list(pool.map(lambda s: s.stop(timeout=1.0), servers))


@pytest.fixture(scope="session")
def _fitcoach_servers() -> Iterator[_Servers]:
    servers = _Servers()
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Removes every FitCoach/SDK variable so the developer's shell never leaks into a test."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) and not name.startswith(_ENV_KEEP_PREFIX):
            monkeypatch.delenv(name)


# ------------------------------------------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="session")
def postgres_server(
    _fitcoach_servers: _Servers, tmp_path_factory: pytest.TempPathFactory
) -> PostgresServer | ExternalPostgres:
    """The session's PostgreSQL: `.dsn`, `.url(db)`, `.create_database()`, `.drop_database(name)`, `.psql(sql)`."""
    from fitcoach_stack.servers import postgres_from_env

    server = postgres_from_env(tmp_path_factory.mktemp("postgres"), _test_env(), durable=False)
    return _fitcoach_servers.add(server)


@pytest.fixture(scope="session")
def pg_server(postgres_server: PostgresServer | ExternalPostgres) -> str:
    """Base DSN of the session's PostgreSQL (maintenance database `postgres`, superuser)."""
    return postgres_server.dsn


@pytest.fixture
def database_url(postgres_server: PostgresServer | ExternalPostgres) -> Iterator[str]:
    """A fresh, empty database for this test (CREATE DATABASE ... TEMPLATE template1), dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


# ------------------------------------------------------------------------------------------------------ NATS


@pytest.fixture(scope="session")
def _session_nats(_fitcoach_servers: _Servers, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fitcoach_stack.servers import nats_from_env

    return _fitcoach_servers.add(nats_from_env(tmp_path_factory.mktemp("nats"), _test_env()))


@pytest.fixture(scope="session")
def nats_url(_session_nats: Any) -> str:
    """URL of the session's NATS (JetStream on). Shared by tests: use unique stream/consumer names, or take
    `nats_server` for a private one."""
    return str(_session_nats.url)


@pytest.fixture
def nats_server_factory(tmp_path: Path) -> Iterator[Callable[[], NatsServer]]:
    """Starts private NATS servers (≈15 ms each) that the test may `.stop()` and `.start()` again on the same
    port and store; all are stopped when the test ends."""
    from fitcoach_stack.servers import NatsServer

    servers: list[NatsServer] = []

    def make() -> NatsServer:
        server = NatsServer(tmp_path / f"nats-{len(servers)}")
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """A private 3-node JetStream cluster on this machine: `.url` lists every node; `.nodes[i]` can be
    `.kill()`ed, `.stop()`ped and `.start()`ed again on its own ports and store."""
    from fitcoach_stack.servers import NatsCluster

    cluster = NatsCluster(tmp_path / "nats-cluster")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop(timeout=2)


@pytest.fixture
def nats_server(nats_server_factory: Callable[[], NatsServer]) -> NatsServer:
    """A fresh, private NATS with JetStream for this test: `.url`, `.stop()`, `.start()` (same port)."""
    return nats_server_factory()


# -------------------------------------------------------------------------------------------------------- S3


@pytest.fixture(scope="session")
def s3_server(_fitcoach_servers: _Servers, tmp_path_factory: pytest.TempPathFactory) -> S3Credentials:
    """The session's S3 API (SeaweedFS with signature checks): `.endpoint_url`, `.access_key`, `.secret_key`,
    `.region`, `.env()`, `.client()` (sync boto3)."""
    from fitcoach_stack.servers import s3_from_env

    server = _fitcoach_servers.add(s3_from_env(tmp_path_factory.mktemp("seaweedfs"), _test_env()))
    return server.credentials


@dataclass(frozen=True)
class S3Bucket:
    """A bucket on the test's S3 API, with the env vars the services read to use it."""

    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"
    credentials: S3Credentials | None = field(default=None, compare=False, repr=False)

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "R2_ACCESS_KEY": self.access_key,
            "R2_SECRET_KEY": self.secret_key,
            "R2_BUCKET_NAME": self.bucket,
            "S3_REGION": self.region,
        }

    def settings(self) -> Any:
        """fitcoach_runtime StorageSettings for this bucket."""
        from fitcoach_runtime.settings import StorageSettings, load_settings

        return load_settings(StorageSettings, self.env())


def _fresh_bucket(server: S3Credentials) -> Iterator[S3Bucket]:
    name = f"t-{uuid.uuid4().hex[:20]}"
    client = server.client()
    client.create_bucket(Bucket=name)
    yield S3Bucket(server.endpoint_url, server.access_key, server.secret_key, name, server.region, server)
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=obj["Key"])
        client.delete_bucket(Bucket=name)
    except Exception:
        pass


@pytest.fixture
def s3_bucket(s3_server: S3Credentials) -> Iterator[S3Bucket]:
    """A unique, empty bucket for this test (emptied and deleted afterwards)."""
    yield from _fresh_bucket(s3_server)


@pytest.fixture(scope="session")
def moto_server(_fitcoach_servers: _Servers, tmp_path_factory: pytest.TempPathFactory) -> S3Credentials:
    """The session's moto S3 server: a second S3 implementation for contract tests, and a lenient one (it
    checks no signature nor signed checksum) for the cases a strict store cannot produce."""
    from fitcoach_stack.servers import MotoServer

    return _fitcoach_servers.add(MotoServer(tmp_path_factory.mktemp("moto"))).credentials


@pytest.fixture
def moto_bucket(moto_server: S3Credentials) -> Iterator[S3Bucket]:
    """A unique, empty bucket on the lenient moto server (emptied and deleted afterwards)."""
    yield from _fresh_bucket(moto_server)


@pytest.fixture(params=["seaweedfs", "moto"])
def any_s3_bucket(request: pytest.FixtureRequest) -> Iterator[S3Bucket]:
    """A fresh bucket on each of two independent S3 implementations (the test runs once per store; R2 is a
    third): SeaweedFS (`s3_server`, strict) and moto (`moto_server`, lenient). `.credentials` tells which."""
    server = request.getfixturevalue("s3_server" if request.param == "seaweedfs" else "moto_server")
    yield from _fresh_bucket(server)


# ----------------------------------------------------------------------------------------------------- Envoy


@pytest.fixture
def envoy_factory(tmp_path: Path) -> Iterator[Callable[..., EnvoyServer]]:
    """`envoy_factory(upload=port, analyzer=port, advisor=port, reflection=port, cors_origins=(...),
    edge_auth=EdgeAuth(...), limits=GatewayLimits(request_timeout="1s"))` starts an Envoy gateway (rendered from
    gateway/envoy.yaml.tmpl) routing to those 127.0.0.1 ports; returns the started EnvoyServer (`.url`, `.address`, `.port`, `.admin_url`). Stopped when the test ends."""
    from fitcoach_stack.gateway import start_gateway

    started: list[EnvoyServer] = []

    def make(**kwargs: Any) -> EnvoyServer:
        server = start_gateway(tmp_path / f"envoy-{len(started)}", **kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


# ----------------------------------------------------------------------------------------------------- Stack


@pytest.fixture
def stack_factory(
    tmp_path: Path, database_url: str, nats_server: NatsServer, s3_bucket: S3Bucket
) -> Iterator[Callable[..., Stack]]:
    """`stack_factory(services=..., env={...}, service_env={...}, ...)` starts a Stack (the three services
    + Envoy, see fitcoach_stack.stack.Stack) on this test's fresh database, private NATS and bucket; returns
    it started (`.gateway_address`, `.gateway_url`, `.token(user_id)`, `.service_log(name)` ...). Stopped
    (services, then Envoy) when the test ends. `env` entries override the fixture endpoints."""
    from fitcoach_stack.stack import Stack

    stacks: list[Stack] = []

    def make(*, env: Mapping[str, str] | None = None, **kwargs: Any) -> Stack:
        merged = {**os.environ, "DATABASE_URL": database_url, "NATS_URL": nats_server.url, **s3_bucket.env()}
        merged.update(env or {})
        stack = Stack(tmp_path / f"stack-{len(stacks)}", env=merged, durable=False, **kwargs)
        stacks.append(stack)
        try:
            stack.start()
        except BaseException:
            stack.stop()
            raise
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture
def service_processes() -> Iterator[Callable[..., ServiceProcess]]:
    """`service_processes("upload", env, log, ...)` makes a ServiceProcess (a real `python -m upload_service`,
    see fitcoach_stack.service_process), not started yet; every one is killed when the test ends."""
    from fitcoach_stack.service_process import ServiceProcess

    made: list[ServiceProcess] = []

    def make(name: str, env: Mapping[str, str], log: Path, **kwargs: Any) -> ServiceProcess:
        made.append(ServiceProcess(name, env, log, **kwargs))
        return made[-1]

    yield make
    for process in made:
        process.kill()


def env_for(*parts: Mapping[str, str]) -> dict[str, str]:
    """Merges env mappings over os.environ (for subprocess services started by tests)."""
    merged = dict(os.environ)
    for part in parts:
        merged.update(part)
    return merged
