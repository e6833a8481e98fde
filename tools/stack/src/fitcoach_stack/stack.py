"""The whole FitCoach system on one machine: servers, bucket, stream, the three services and the gateway.

`Stack` is what `fitcoach-stack run` (make run) runs and what end-to-end tests use:

    with Stack(tmp_path, env={"DATABASE_URL": database_url, **s3_bucket.env()}) as stack:
        stack.gateway_address        # "127.0.0.1:<port>" for grpc channels
        stack.token(user_id)         # a dev JWT the services accept
        stack.advisor_service_token  # what the analyzer sends the advisor (generated per data dir)

With `web=True` it also serves the built web app (web/dist, `make web`) through the gateway: the page and
the API on one origin, `stack.gateway_url`.

Servers whose URL is in `env` (DATABASE_URL, NATS_URL, S3_ENDPOINT_URL + R2 keys) are used, not started.

`Stack(root, nats_nodes=3, replicas={"upload": 2, "analyzer": 2})` is the shape past one machine (make
run-cluster): a 3-node JetStream cluster holding the stream 3 times, replicas behind Envoy. The chaos soak
kills and restarts any part in place (`stack.kill(name)`, `stack.start_again(name)`, names from
`stack.killable()`): same ports, same data, log appended.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib.util
import os
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from fitcoach_stack.gateway import HEALTH_SERVICES, EdgeAuth, start_gateway
from fitcoach_stack.process import ManagedProcess, ServerStartError, free_ports, log_tail, wait_moving_ports
from fitcoach_stack.servers import (
    EnvoyServer,
    ExternalPostgres,
    Killable,
    NatsCluster,
    NatsServer,
    PostgresServer,
    S3Credentials,
    SeaweedServer,
    nats_from_env,
    postgres_from_env,
    run_psql,
    s3_from_env,
    with_database,
)

SERVICES = ("advisor", "upload", "analyzer")  # start order: the analyzer calls the advisor
# make run-cluster / bench/chaos.py --cluster: the shape past one machine, on this one.
CLUSTER_SHAPE: dict[str, Any] = {"nats_nodes": 3, "replicas": {"upload": 2, "analyzer": 2}}
DEFAULT_BUCKET = "fitcoach"
DEFAULT_DATABASE = "fitcoach"
HOST = "127.0.0.1"


class ServiceExited(RuntimeError):
    """A service process ended while the stack was running (the message has its log tail)."""


def _in_thread(coro: Any) -> Any:
    """Runs a coroutine to completion on a private loop: works whether or not the caller has a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _ensure_stream(nats_url: str, stream: str, replicas: int) -> None:
    from fitcoach_runtime.events import connect_nats, ensure_stream
    from fitcoach_runtime.settings import NatsSettings, load_settings

    settings = load_settings(
        NatsSettings, {"NATS_URL": nats_url, "NATS_STREAM": stream, "NATS_STREAM_REPLICAS": str(replicas)}
    )
    nc = await connect_nats(settings, "fitcoach-stack")
    try:
        await ensure_stream(nc.jetstream(), settings.stream, settings.stream_replicas)
    finally:
        await nc.close()


def service_of(name: str) -> str:
    """The service a process runs: "analyzer-2" (a second replica) → "analyzer"."""
    return name.split("-", 1)[0]


def _grpc_healthy(address: str, service: str = "", upstream: str | None = None, timeout: float = 1.0) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    metadata = (("fitcoach-upstream", upstream),) if upstream else None
    with grpc.insecure_channel(address) as channel:
        # types-grpcio-health-checking declares HealthStub without its generated methods.
        reply = health_pb2_grpc.HealthStub(channel).Check(  # type: ignore[attr-defined]
            health_pb2.HealthCheckRequest(service=service), timeout=timeout, metadata=metadata
        )
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (the format of stack.env); blank lines and # comments ignored."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class Stack:
    """Starts everything on free ports with data under `root`; `stop()` (or leaving `with`) ends all of it."""

    def __init__(
        self,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        services: Sequence[str] = SERVICES,
        cors_origins: Sequence[str] = ("http://localhost:5173", "http://127.0.0.1:5173"),
        durable: bool = True,
        service_env: Mapping[str, str] | None = None,
        service_commands: Mapping[str, Sequence[str]] | None = None,
        startup_timeout: float = 60.0,
        out: TextIO | None = None,
        replicas: Mapping[str, int] | None = None,
        nats_nodes: int = 1,
        web: bool = False,
    ) -> None:
        """
        root: data and logs (`make run`: .fitcoach/). env: where externals and pass-through settings
        (GEMINI_API_KEY, MAX_UPLOAD_BYTES ...) come from (default os.environ). services: which of the
        three to start (tests of the launcher itself may start none). service_env: extra env for every
        service. service_commands: argv per service instead of `python -m <name>_service`.
        replicas: processes per service (default 1), named `analyzer`, `analyzer-2`, ... behind one gateway
        cluster. nats_nodes: 1 (one server) or 3+ (a JetStream cluster; the stream is then replicated 3
        times unless NATS_STREAM_REPLICAS in env says otherwise).
        """
        self.root = Path(root).resolve()
        self.base_env = dict(os.environ if env is None else env)
        self.services = tuple(services)
        self.cors_origins = tuple(cors_origins)
        self.durable = durable
        self.extra_service_env = dict(service_env or {})
        self.service_commands = {k: list(v) for k, v in (service_commands or {}).items()}
        self.startup_timeout = startup_timeout
        self.out = out
        self.replicas = {name: max(1, (replicas or {}).get(name, 1)) for name in self.services}
        self.nats_nodes = nats_nodes
        self.stream_replicas = int(self.base_env.get("NATS_STREAM_REPLICAS") or min(nats_nodes, 3))
        self.web = web
        self.web_port = 0
        self.timings: dict[str, float] = {}
        self.postgres: PostgresServer | ExternalPostgres | None = None
        self.nats: Any = None
        self.s3: Any = None
        self.envoy: EnvoyServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self._launched_at: dict[str, float] = {}
        self.service_ports: dict[str, int] = {}
        self.metrics_ports: dict[str, int] = {}
        self.database_url = ""
        self.bucket = self.base_env.get("R2_BUCKET_NAME") or DEFAULT_BUCKET
        self.jwt_secret = ""
        self.advisor_service_token = ""
        self.gateway_port = 0
        self._lock_file: Any = None

    # ------------------------------------------------------------------------------------------ properties

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.gateway_port}"

    @property
    def gateway_address(self) -> str:
        return f"{HOST}:{self.gateway_port}"

    @property
    def supabase_url(self) -> str:
        # Dev mode has no Supabase; the URL only makes the issuer (<url>/auth/v1) that tokens carry.
        return self.base_env.get("SUPABASE_URL") or self.gateway_url

    @property
    def issuer(self) -> str:
        from fitcoach_runtime.settings import supabase_issuer

        return supabase_issuer(self.supabase_url)

    @property
    def s3_credentials(self) -> S3Credentials:
        assert self.s3 is not None, "stack not started"
        return self.s3.credentials  # type: ignore[no-any-return]  # self.s3 is a SeaweedServer or ExternalS3

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def env_file(self) -> Path:
        return self.root / "stack.env"

    def service_address(self, name: str) -> str:
        return f"{HOST}:{self.service_ports[name]}"

    def metrics_url(self, name: str) -> str:
        """A service's Prometheus endpoint (every service exports one under the stack)."""
        return f"http://{HOST}:{self.metrics_ports[name]}/metrics"

    def replica_names(self, service: str) -> list[str]:
        """Process names of a service's replicas: `analyzer`, then `analyzer-2`, ..."""
        return [service if i == 1 else f"{service}-{i}" for i in range(1, self.replicas.get(service, 1) + 1)]

    def service_log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def token(self, user_id: str | None = None, **kwargs: Any) -> str:
        """A dev JWT (Supabase-shaped) the running services accept."""
        from fitcoach_runtime.auth import mint_dev_token

        return mint_dev_token(self.jwt_secret, issuer=self.issuer, user_id=user_id, **kwargs)

    # ---------------------------------------------------------------------------------------------- start

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        self._take_lock()
        self.gateway_port = free_ports(1)[0]
        self.jwt_secret = self._jwt_secret()
        self.advisor_service_token = self._advisor_service_token()
        self._start_servers()
        self._prepare_data()
        for service in self.services:
            names = self.replica_names(service)
            for name in names:  # replicas start side by side
                self._launch_service(name)
            for name in names:
                wait_moving_ports(partial(self._wait_service, name), partial(self._launch_service, name))
        if self.web:
            self._start_web()
        self._start_gateway()
        self._wait_gateway_healthy()
        self.write_env_file()

    def _take_lock(self) -> None:
        # Two stacks on one data dir would fight over PostgreSQL's and SeaweedFS's files.
        self._lock_file = open(self.root / "stack.lock", "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise ServerStartError(f"another fitcoach-stack is running on {self.root}") from None

    def _jwt_secret(self) -> str:
        # Kept across runs so tokens minted by fitctl stay valid while the stack restarts.
        return self.base_env.get("SUPABASE_JWT_SECRET") or self._dev_secret("dev-jwt-secret")

    def _advisor_service_token(self) -> str:
        # The analyzer's credential at the advisor: random per data dir, so no stack shares a known token.
        return self.base_env.get("ADVISOR_SERVICE_TOKEN") or self._dev_secret("advisor-service-token")

    def _dev_secret(self, name: str) -> str:
        """A random secret generated once per data dir (mode 0600) and read back on later runs."""
        path = self.root / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def _start_servers(self) -> None:
        self.postgres = postgres_from_env(self.root / "postgres", self.base_env, durable=self.durable)
        self.nats = nats_from_env(self.root / "nats", self.base_env, nodes=self.nats_nodes)
        self.s3 = s3_from_env(self.root / "seaweedfs", self.base_env)
        servers = {"seaweedfs": self.s3, "nats": self.nats, "postgres": self.postgres}  # longest first
        # Launched here (the main thread: see ManagedProcess's parent-death signal), then waited for in
        # parallel: SeaweedFS (~0.9 s) dominates; PostgreSQL (~0.4 s with initdb) and NATS fit beside it.
        for server in servers.values():
            server.launch()
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {name: pool.submit(server.wait) for name, server in servers.items()}
            errors = [error for f in futures.values() if (error := f.exception()) is not None]
        for name, server in servers.items():
            self.timings[name] = server.startup_s
        if errors:
            raise errors[0]

    def _prepare_data(self) -> None:
        started = time.monotonic()
        assert self.postgres is not None
        if self.base_env.get("DATABASE_URL"):
            self.database_url = self.base_env["DATABASE_URL"]
        else:
            exists = run_psql(
                self.postgres.dsn, f"SELECT 1 FROM pg_database WHERE datname = '{DEFAULT_DATABASE}'"
            ).strip()
            if not exists:
                run_psql(self.postgres.dsn, f'CREATE DATABASE "{DEFAULT_DATABASE}"')
            self.database_url = with_database(self.postgres.dsn, DEFAULT_DATABASE)
        self.s3_credentials.ensure_bucket(self.bucket)
        stream = self.base_env.get("NATS_STREAM") or "FITCOACH_UPLOADS"
        _in_thread(_ensure_stream(self.nats.url, stream, self.stream_replicas))
        self.timings["bucket+stream+database"] = time.monotonic() - started

    def shared_environment(self) -> dict[str, str]:
        """Endpoints and sign-in settings that services, stack.env (fitctl) and tests all agree on."""
        creds = self.s3_credentials
        return {
            "DATABASE_URL": self.database_url,
            "NATS_URL": self.nats.url,
            "NATS_STREAM_REPLICAS": str(self.stream_replicas),
            "S3_ENDPOINT_URL": creds.endpoint_url,
            "R2_ACCESS_KEY": creds.access_key,
            "R2_SECRET_KEY": creds.secret_key,
            "R2_BUCKET_NAME": self.bucket,
            "S3_REGION": creds.region,
            "AUTH_MODE": self.base_env.get("AUTH_MODE") or "dev",
            "SUPABASE_URL": self.supabase_url,
            "SUPABASE_JWT_SECRET": self.jwt_secret,
        }

    def service_environment(self, name: str) -> dict[str, str]:
        """The env a service process (`name`: a replica) gets: the base env, then the stack's endpoints, then
        service_env."""
        env = dict(self.base_env)
        env.update(
            {
                "GRPC_LISTEN": self.service_address(name),
                **self.shared_environment(),
                "LOG_LEVEL": self.base_env.get("LOG_LEVEL") or "INFO",
                "LOG_FORMAT": self.base_env.get("LOG_FORMAT") or "json",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if "advisor" in self.service_ports:
            env["ADVISOR_ADDR"] = self.service_address("advisor")
        # Each side gets its half: the advisor the tokens it accepts (a rotation list from the base env wins),
        # the analyzer the one it sends.
        if service_of(name) == "advisor":
            env["ADVISOR_SERVICE_TOKENS"] = (
                self.base_env.get("ADVISOR_SERVICE_TOKENS") or self.advisor_service_token
            )
        if service_of(name) == "analyzer":
            env["ADVISOR_SERVICE_TOKEN"] = self.advisor_service_token
        if name in self.metrics_ports:
            env["METRICS_LISTEN"] = f"{HOST}:{self.metrics_ports[name]}"
        env.update(self.extra_service_env)
        return env

    def _service_argv(self, name: str) -> list[str]:
        if service_of(name) in self.service_commands:
            return self.service_commands[service_of(name)]
        module = f"{service_of(name)}_service"
        if importlib.util.find_spec(module) is None:
            raise ServerStartError(f"service package {module} is not installed (make venv)")
        return [sys.executable, "-m", module]

    def _launch_service(self, name: str) -> None:
        self._launched_at[name] = time.monotonic()
        self.service_ports[name], self.metrics_ports[name] = free_ports(2)
        log = self.service_log(name)
        log.write_text("")  # one stack run per file: the tail printed on failure is this run's
        proc = ManagedProcess(name, self._service_argv(name), log, env=self.service_environment(name))
        self.processes[name] = proc
        proc.start()

    def _wait_service(self, name: str) -> None:
        self.processes[name].wait_ready(
            lambda: _grpc_healthy(self.service_address(name), HEALTH_SERVICES[service_of(name)]),
            timeout=self.startup_timeout,
            what="SERVING (grpc.health.v1)",
        )
        self.timings[name] = time.monotonic() - self._launched_at[name]

    @property
    def dev_user_file(self) -> Path:
        """The machine's dev athlete (fitctl's `.fitcoach/dev-user`): the web app opens signed in as them."""
        return self.root / "dev-user"

    def web_environment(self) -> dict[str, str]:
        """The web server's env: what the page needs at run time; the JWT secret only in dev mode (it mints
        dev tokens there), never in other modes."""
        env = dict(self.base_env)
        shared = self.shared_environment()
        env.pop("SUPABASE_JWT_SECRET", None)
        env.update(
            {
                "WEB_LISTEN": f"{HOST}:{self.web_port}",
                "AUTH_MODE": shared["AUTH_MODE"],
                "SUPABASE_URL": shared["SUPABASE_URL"],
                "WEB_DEV_USER_FILE": str(self.dev_user_file),
                "LOG_FORMAT": self.base_env.get("LOG_FORMAT") or "json",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if shared["AUTH_MODE"] == "dev":
            env["SUPABASE_JWT_SECRET"] = shared["SUPABASE_JWT_SECRET"]
        return env

    def _start_web(self) -> None:
        started = time.monotonic()

        def launch() -> None:
            self.web_port = free_ports(1)[0]
            log = self.logs_dir / "web.log"
            log.write_text("")
            argv = [sys.executable, "-m", "fitcoach_web"]
            self.processes["web"] = ManagedProcess("web", argv, log, env=self.web_environment())
            self.processes["web"].start()

        launch()
        wait_moving_ports(self._wait_web, launch)
        self.timings["web"] = time.monotonic() - started

    def _wait_web(self) -> None:
        """The web server is HTTP, not gRPC: ready when its /healthz answers 200."""
        import urllib.request

        def healthy() -> bool:
            with urllib.request.urlopen(f"http://{HOST}:{self.web_port}/healthz", timeout=1) as resp:
                return bool(resp.status == 200)

        self.processes["web"].wait_ready(healthy, timeout=self.startup_timeout, what="GET /healthz")

    def _start_gateway(self) -> None:
        started = time.monotonic()
        # Without services (launcher tests) the clusters point at closed ports; Envoy still starts.
        unused = free_ports(1)[0]

        def ports(service: str) -> list[int]:
            return [self.service_ports[n] for n in self.replica_names(service) if n in self.service_ports]

        from fitcoach_runtime.settings import AuthSettings, load_settings

        # The gateway checks tokens by the same settings the services get (shared_environment).
        auth = load_settings(AuthSettings, {**self.base_env, **self.shared_environment()})
        self.envoy = start_gateway(
            self.root / "envoy",
            edge_auth=EdgeAuth.from_settings(auth),
            upload=ports("upload") or unused,
            analyzer=ports("analyzer") or unused,
            advisor=ports("advisor") or unused,
            web=self.web_port or None,
            cors_origins=self.cors_origins,
            listen_port=self.gateway_port,
            log_level="info",
        )
        self.timings["envoy"] = time.monotonic() - started

    def _wait_gateway_healthy(self) -> None:
        """Each running service answers SERVING through the gateway, and Envoy's own checks agree."""
        assert self.envoy is not None
        started = time.monotonic()
        deadline = started + self.startup_timeout
        pending = set(self.services) | ({"web"} if self.web else set())
        while pending:
            self.check_services()
            for name in sorted(pending):
                with contextlib.suppress(Exception):
                    if name == "web":
                        if self._envoy_sees_healthy("web"):
                            pending.discard(name)
                    elif _grpc_healthy(self.gateway_address, HEALTH_SERVICES[name], upstream=name) and (
                        self._envoy_sees_healthy(name)
                    ):
                        pending.discard(name)
            if pending and time.monotonic() > deadline:
                raise ServerStartError(
                    f"not healthy through the gateway within {self.startup_timeout:.0f} s: {sorted(pending)}; "
                    f"envoy log {self.envoy.log_path}:\n{log_tail(self.envoy.log_path)}"
                )
            if pending:
                time.sleep(0.05)
        self.timings["gateway healthy"] = time.monotonic() - started

    def _envoy_sees_healthy(self, cluster: str) -> bool:
        import urllib.request

        assert self.envoy is not None
        with urllib.request.urlopen(f"{self.envoy.admin_url}/clusters", timeout=1) as resp:
            lines = resp.read().decode().splitlines()
        flags = [
            ln.rsplit("::", 1)[-1]
            for ln in lines
            if ln.startswith(f"{cluster}::") and "::health_flags::" in ln
        ]
        return bool(flags) and all(flag == "healthy" for flag in flags)

    def write_env_file(self) -> Path:
        values = {
            "FITCOACH_GATEWAY_URL": self.gateway_url,
            "FITCOACH_GATEWAY_ADDR": self.gateway_address,
            "FITCOACH_ENVOY_ADMIN_URL": self.envoy.admin_url if self.envoy else "",
            **self.shared_environment(),
            "FITCOACH_AUTH_ISSUER": self.issuer,
            **{
                f"FITCOACH_{n.upper().replace('-', '_')}_ADDR": self.service_address(n)
                for n in self.service_ports
            },
            "FITCOACH_WEB_URL": self.gateway_url if self.web else "",
            **{
                f"FITCOACH_{n.upper().replace('-', '_')}_METRICS_URL": self.metrics_url(n)
                for n in self.metrics_ports
            },
            "FITCOACH_LOGS_DIR": str(self.logs_dir),
            "FITCOACH_STACK_PID": str(os.getpid()),
        }
        text = "# Written by fitcoach-stack while it runs; removed when it stops. Contains dev secrets.\n"
        text += "".join(f"{k}={v}\n" for k, v in values.items())
        tmp = self.env_file.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o600)
        tmp.replace(self.env_file)
        return self.env_file

    # ------------------------------------------------------------------------------------------- running

    def check_services(self) -> None:
        """Raises ServiceExited (with the log tail) when a service process has ended."""
        for name, proc in self.processes.items():
            if not proc.running():
                code = proc.proc.returncode if proc.proc else None
                raise ServiceExited(
                    f"{name} exited (code {code}); last lines of {proc.log_path}:\n{log_tail(proc.log_path)}"
                )

    # ------------------------------------------------------------------------------------ chaos (in place)

    def _killable(self) -> dict[str, Killable]:
        parts: dict[str, Killable] = {}
        if isinstance(self.postgres, PostgresServer):
            parts["postgres"] = self.postgres
        if isinstance(self.nats, NatsServer):
            parts["nats"] = self.nats
        elif isinstance(self.nats, NatsCluster):
            parts.update({node.name: node for node in self.nats.nodes})
        if self.envoy is not None:
            parts["envoy"] = self.envoy
        return parts

    def killable(self) -> list[str]:
        """What kill()/start_again() accept: service replicas (`upload`, `analyzer-2`, ...), `envoy`, and the
        embedded servers (`postgres`, `nats` or the cluster's `nats-1`, `nats-2`, ...)."""
        return [*self.processes, *self._killable()]

    def kill(self, name: str) -> None:
        """SIGKILL one part (its whole process group): no shutdown code runs, as in a crash."""
        if name in self.processes:
            self.processes[name].kill()
        else:
            self._killable()[name].kill()

    def start_again(self, name: str) -> None:
        """Start a killed part on its own ports with its own data; returns once it is ready (services:
        SERVING)."""
        if name in self.processes:
            self._launched_at[name] = time.monotonic()
            self.processes[name].start()
            if name == "web":
                self._wait_web()
            else:
                self._wait_service(name)
        else:
            self._killable()[name].start()

    # ----------------------------------------------------------------------------------------------- stop

    def stop(self) -> None:
        """Services first (each drains within its grace), then envoy, nats, seaweedfs, postgres."""
        grace = float(self.base_env.get("SHUTDOWN_GRACE_S") or 10) + 5
        with ThreadPoolExecutor(max_workers=max(1, len(self.processes))) as pool:
            list(pool.map(lambda p: p.stop(timeout=grace), self.processes.values()))
        self.processes.clear()
        for server in (self.envoy, self.nats, self.s3, self.postgres):
            if server is not None:
                server.stop()
        self.envoy = None
        with contextlib.suppress(FileNotFoundError):
            if self.env_file.exists() and f"FITCOACH_STACK_PID={os.getpid()}\n" in self.env_file.read_text():
                self.env_file.unlink()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def server_kinds(stack: Stack) -> dict[str, str]:
    """embedded/external per server (for the launcher's summary line)."""
    return {
        "postgres": "embedded" if isinstance(stack.postgres, PostgresServer) else "external",
        "nats": (
            "embedded"
            if isinstance(stack.nats, NatsServer)
            else f"embedded {len(stack.nats.nodes)}-node cluster"
            if isinstance(stack.nats, NatsCluster)
            else "external"
        ),
        "s3": "embedded" if isinstance(stack.s3, SeaweedServer) else "external",
    }
