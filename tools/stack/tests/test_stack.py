"""The launcher: Stack (the Python API e2e tests use) and `fitcoach-stack run` (make run)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from fitcoach_stack.process import ServerStartError, port_open
from fitcoach_stack.pytest_plugin import S3Bucket
from fitcoach_stack.stack import CLUSTER_SHAPE, SERVICES, ServiceExited, Stack, _grpc_healthy, read_env_file

FAKE = Path(__file__).with_name("fake_service.py")


def fake(mode_by_service: dict[str, str] | None = None) -> dict[str, list[str]]:
    modes = mode_by_service or {}
    return {name: [sys.executable, str(FAKE), name, modes.get(name, "serve")] for name in SERVICES}


def test_stack_starts_services_behind_the_gateway_and_stops_them(
    stack_factory: Callable[..., Stack], tmp_path: Path, database_url: str, s3_bucket: S3Bucket
) -> None:
    stack = stack_factory(service_commands=fake(), service_env={"FAKE_ENV_DIR": str(tmp_path)})

    for name, service in (("upload", "fitcoach.upload.v1.UploadService"),
                          ("analyzer", "fitcoach.activity.v1.ActivityService"),
                          ("advisor", "fitcoach.advisor.v1.AdvisorService")):  # fmt: skip
        assert _grpc_healthy(stack.gateway_address, service, upstream=name)

    written = read_env_file(stack.env_file)
    assert written["FITCOACH_GATEWAY_URL"] == stack.gateway_url
    assert written["DATABASE_URL"] == database_url
    assert written["R2_BUCKET_NAME"] == s3_bucket.bucket

    analyzer_env = json.loads((tmp_path / "analyzer.json").read_text())
    assert analyzer_env["ADVISOR_ADDR"] == stack.service_address("advisor")
    assert analyzer_env["GRPC_LISTEN"] == stack.service_address("analyzer")
    assert analyzer_env["AUTH_MODE"] == "dev"
    assert analyzer_env["SUPABASE_URL"] == stack.gateway_url
    assert analyzer_env["SUPABASE_JWT_SECRET"] == stack.jwt_secret
    assert analyzer_env["R2_SECRET_KEY"] == s3_bucket.secret_key

    # The advisor's service token: random per data dir, kept private, given to exactly the two ends.
    token = stack.advisor_service_token
    assert len(token) >= 32 and token != stack.jwt_secret
    assert analyzer_env["ADVISOR_SERVICE_TOKEN"] == token
    assert json.loads((tmp_path / "advisor.json").read_text())["ADVISOR_SERVICE_TOKENS"] == token
    upload_env = json.loads((tmp_path / "upload.json").read_text())
    assert "ADVISOR_SERVICE_TOKEN" not in upload_env and "ADVISOR_SERVICE_TOKENS" not in upload_env
    saved = stack.root / "advisor-service-token"
    assert saved.read_text() == token and saved.stat().st_mode & 0o777 == 0o600

    claims = jwt.decode(stack.token(), stack.jwt_secret, algorithms=["HS256"], audience="authenticated",
                        issuer=stack.gateway_url + "/auth/v1")  # fmt: skip
    assert claims["sub"]

    pids = [p.pid for p in stack.processes.values()]
    stack.stop()
    assert not stack.env_file.exists()
    assert not port_open("127.0.0.1", stack.gateway_port)
    for pid in pids:
        assert pid is not None and not Path(f"/proc/{pid}").exists()


def test_a_service_failing_at_start_stops_everything_and_shows_its_log(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    with pytest.raises(ServerStartError) as err:
        stack_factory(service_commands=fake({"upload": "exit"}), service_env={"FAKE_ENV_DIR": str(tmp_path)})
    assert "upload exited (code 3)" in str(err.value)
    assert "DATABASE_URL is required" in str(err.value)
    # The advisor had started before upload failed: it was stopped with the rest.
    advisor_pid = json.loads((tmp_path / "advisor.json").read_text())
    assert advisor_pid  # the advisor really ran
    assert not port_open("127.0.0.1", int(advisor_pid["GRPC_LISTEN"].rsplit(":", 1)[1]))


def test_a_service_dying_later_is_reported_with_its_log(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    stack = stack_factory(
        service_commands=fake({"advisor": "die-on-sigusr1"}), service_env={"FAKE_ENV_DIR": str(tmp_path)}
    )
    stack.check_services()  # all running
    advisor = stack.processes["advisor"]
    assert advisor.proc is not None
    advisor.proc.send_signal(signal.SIGUSR1)  # the advisor dies now, with the stack long up
    advisor.proc.wait(timeout=30)
    with pytest.raises(ServiceExited) as err:
        stack.check_services()
    assert "advisor exited (code 4)" in str(err.value)
    assert "lost the database" in str(err.value)


def test_one_stack_per_data_dir(stack_factory: Callable[..., Stack], tmp_path: Path) -> None:
    first = stack_factory(services=())
    second = Stack(first.root, env={"DATABASE_URL": "postgresql://unused"}, services=())
    with pytest.raises(ServerStartError, match="another fitcoach-stack"):
        second.start()


def _start_cli(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fitcoach_stack.cli", "run", "--data-dir", str(data_dir), "--services"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # blocks until ready (or EOF if it failed)
        seen.append(line)
        if line.startswith("FitCoach ready: "):
            return proc, line
    return proc, "".join(seen)


def _children_of_data_dir(data_dir: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if str(data_dir) in line and "ps -eo" not in line]


@pytest.mark.slow
def test_cli_runs_the_embedded_servers_until_signalled_and_keeps_data(tmp_path: Path) -> None:
    data_dir = tmp_path / ".fitcoach"
    proc, first = _start_cli(data_dir)
    try:
        assert first.startswith("FitCoach ready: http://127.0.0.1:"), first + (
            proc.stderr.read() if proc.stderr else ""
        )
        env = read_env_file(data_dir / "stack.env")
        assert first.split()[-1] == env["FITCOACH_GATEWAY_URL"]
        assert "127.0.0.1:5432" not in env["DATABASE_URL"] and "4222" not in env["NATS_URL"]
        from fitcoach_stack.servers import S3Credentials

        creds = S3Credentials(env["S3_ENDPOINT_URL"], env["R2_ACCESS_KEY"], env["R2_SECRET_KEY"])
        creds.client().put_object(Bucket=env["R2_BUCKET_NAME"], Key="kept.txt", Body=b"still here")
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "fitcoach-stack: stopped" in output
    assert not (data_dir / "stack.env").exists()
    assert _children_of_data_dir(data_dir) == []

    # Second run, Ctrl-C this time: same data dir, same credentials, the object is still there.
    proc, first = _start_cli(data_dir)
    try:
        assert first.startswith("FitCoach ready:")
        env2 = read_env_file(data_dir / "stack.env")
        creds = S3Credentials(env2["S3_ENDPOINT_URL"], env2["R2_ACCESS_KEY"], env2["R2_SECRET_KEY"])
        body = creds.client().get_object(Bucket=env2["R2_BUCKET_NAME"], Key="kept.txt")["Body"].read()
        assert body == b"still here"
        assert env2["SUPABASE_JWT_SECRET"] == env["SUPABASE_JWT_SECRET"]
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert _children_of_data_dir(data_dir) == []
    assert os.stat(data_dir / "postgres" / "pgdata" / "PG_VERSION")


def _envoy_hosts(stack: Stack, cluster: str) -> dict[str, str]:
    """host:port → health flags of one gateway cluster, from Envoy's admin /clusters."""
    import urllib.request

    assert stack.envoy is not None
    with urllib.request.urlopen(f"{stack.envoy.admin_url}/clusters", timeout=2) as resp:
        lines = resp.read().decode().splitlines()
    return {
        line.split("::")[1]: line.rsplit("::", 1)[-1]
        for line in lines
        if line.startswith(f"{cluster}::") and "::health_flags::" in line
    }


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s  # generous: Envoy checks every second, the machine is shared
    while not condition():
        assert time.monotonic() < deadline, f"not {what} within {timeout_s:.0f} s"
        time.sleep(0.1)


@pytest.mark.slow
def test_cluster_shape_runs_replicas_and_a_nats_cluster_and_restarts_parts_in_place(
    tmp_path: Path, database_url: str, s3_bucket: S3Bucket
) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, **s3_bucket.env()}
    with Stack(
        tmp_path / "stack", env=env, durable=False, service_commands=fake(),
        service_env={"FAKE_ENV_DIR": str(tmp_path)}, **CLUSTER_SHAPE,
    ) as stack:  # fmt: skip
        assert sorted(stack.killable()) == sorted(
            ["advisor", "upload", "upload-2", "analyzer", "analyzer-2", "nats-1", "nats-2", "nats-3", "envoy"]
        )
        # Envoy balances over both replicas of each, and sees them healthy.
        upload_hosts = {stack.service_address(name) for name in ("upload", "upload-2")}
        assert set(_envoy_hosts(stack, "upload")) == upload_hosts
        assert set(_envoy_hosts(stack, "analyzer")) == {
            stack.service_address(name) for name in ("analyzer", "analyzer-2")
        }
        # The services reach every NATS node and keep the stream on all three.
        service_env = json.loads((tmp_path / "upload.json").read_text())
        assert service_env["NATS_URL"] == stack.nats.url and len(stack.nats.url.split(",")) == 3
        assert service_env["NATS_STREAM_REPLICAS"] == "3"
        assert _stream_replicas(stack.nats.url) == 3

        # A replica killed: Envoy takes it out of rotation, the other answers; started again, on its port.
        stack.kill("upload-2")
        assert not port_open("127.0.0.1", stack.service_ports["upload-2"])
        _wait_for(lambda: _envoy_hosts(stack, "upload")[stack.service_address("upload-2")] != "healthy",
                  "taken out of rotation")  # fmt: skip
        assert _grpc_healthy(stack.gateway_address, "fitcoach.upload.v1.UploadService", upstream="upload")
        stack.start_again("upload-2")
        _wait_for(lambda: set(_envoy_hosts(stack, "upload").values()) == {"healthy"}, "back in rotation")

        # A NATS node and the gateway itself, killed and started again on their own ports.
        node = stack.nats.nodes[1]
        stack.kill(node.name)
        assert not port_open("127.0.0.1", node.port)
        stack.start_again(node.name)
        assert port_open("127.0.0.1", node.port) and _stream_replicas(stack.nats.url) == 3
        stack.kill("envoy")
        assert not port_open("127.0.0.1", stack.gateway_port)
        stack.start_again("envoy")
        assert _grpc_healthy(stack.gateway_address, "fitcoach.upload.v1.UploadService", upstream="upload")


def _stream_replicas(nats_url: str) -> int:
    async def read() -> int:
        from fitcoach_runtime.events import connect_nats
        from fitcoach_runtime.settings import NatsSettings

        nc = await connect_nats(NatsSettings(url=nats_url), "stack-test")
        try:
            # Right after a node restarts, a JetStream API request can time out while the cluster settles
            # (a new meta leader): asked again, within a generous bound for a loaded machine.
            js = nc.jetstream(timeout=3)
            for attempt in range(10):
                try:
                    info = await js.stream_info("FITCOACH_UPLOADS")
                    return int(info.config.num_replicas or 1)
                except TimeoutError:
                    if attempt == 9:
                        raise
            raise AssertionError("unreachable")
        finally:
            await nc.close()

    return int(asyncio.run(read()))


def test_the_web_server_killed_starts_again_on_its_port(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    # `web` is one of the parts kill()/start_again() accept; started again, it serves on the same port.
    stack = stack_factory(service_commands=fake(), service_env={"FAKE_ENV_DIR": str(tmp_path)}, web=True)
    assert "web" in stack.killable()
    port = stack.web_port
    stack.kill("web")
    assert not port_open("127.0.0.1", port)
    stack.start_again("web")
    assert stack.web_port == port and port_open("127.0.0.1", port)
