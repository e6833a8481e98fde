"""docker-compose.yml and the Dockerfiles it names: checked offline (no Docker engine runs here)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fitcoach_stack.gateway import COMPOSE_CONFIG as COMPOSE_GATEWAY
from fitcoach_stack.gateway import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
HEALTHCHECK = REPO_ROOT / "deploy" / "healthcheck.py"


def _check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    # The compose-spec schema ships inside check-jsonschema: no network needed.
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_compose_file_follows_the_compose_spec() -> None:
    result = _check_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_spec_check_catches_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("condition: service_healthy", "condition: when_ready", 1))
    assert _check_compose(broken).returncode != 0


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def test_every_part_of_the_deployment_shape_is_there_with_a_health_check() -> None:
    services = _compose()["services"]
    nats_nodes = ("nats-1", "nats-2", "nats-3")
    assert {"postgres", *nats_nodes, "seaweedfs", "envoy", "upload", "analyzer", "advisor"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    for name in ("upload", "analyzer"):
        for dep in ("postgres", *nats_nodes):
            assert services[name]["depends_on"][dep]["condition"] == "service_healthy"
    assert services["analyzer"]["depends_on"]["advisor"]["condition"] == "service_healthy"
    assert "./gateway/envoy.compose.yaml:/etc/envoy/envoy.yaml:ro" in services["envoy"]["volumes"]


def test_the_shape_past_one_machine_nats_cluster_and_replicas() -> None:
    services = _compose()["services"]
    nodes = {f"nats-{i}": services[f"nats-{i}"] for i in (1, 2, 3)}
    volumes = set()
    for name, node in nodes.items():
        command = node["command"]
        assert "-js" in command and command[command.index("-n") + 1] == name
        assert command[command.index("--cluster_name") + 1] == "fitcoach"
        routes = set(command[command.index("--routes") + 1].split(","))
        assert routes == {f"nats://{other}:6222" for other in nodes if other != name}
        volumes.add(node["volumes"][0].split(":")[0])
    assert len(volumes) == 3  # each node its own store
    for name in ("upload", "analyzer"):
        assert services[name]["deploy"]["replicas"] == 2
        env = services[name]["environment"]
        assert env["NATS_URL"] == ",".join(f"nats://{node}:4222" for node in nodes)
        assert env["NATS_STREAM_REPLICAS"] == "${NATS_STREAM_REPLICAS:-3}"
    # Envoy resolves each service name to every replica (STRICT_DNS) and health-checks each one.
    gateway = yaml.safe_load(COMPOSE_GATEWAY.read_text())
    clusters = {c["name"]: c for c in gateway["static_resources"]["clusters"]}
    for name in ("upload", "analyzer"):
        assert clusters[name]["type"] == "STRICT_DNS" and clusters[name]["health_checks"]
        (endpoint,) = clusters[name]["load_assignment"]["endpoints"][0]["lb_endpoints"]
        assert endpoint["endpoint"]["address"]["socket_address"]["address"] == name


@pytest.mark.parametrize("service", ["upload", "analyzer", "advisor"])
def test_dockerfiles_copy_what_exists_and_run_the_service_module(service: str) -> None:
    build = _compose()["services"][service]["build"]
    dockerfile = REPO_ROOT / build["dockerfile"]
    text = dockerfile.read_text()
    for source in re.findall(r"^COPY (\S+) ", text, flags=re.MULTILINE):
        assert (REPO_ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "-c constraints.txt" in text
    module = re.search(r'CMD \["python", "-m", "(\w+)"\]', text)
    assert module and module.group(1) == f"{service}_service"
    assert importlib.util.find_spec(f"{service}_service.__main__") is not None


def test_env_example_defines_every_required_variable() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert required and required <= example, required - example
    assert {"R2_ACCOUNT_ID", "R2_ACCESS_KEY", "R2_SECRET_KEY", "R2_BUCKET_NAME"} <= example


def test_container_healthcheck_reports_serving_and_down(fake_backends: dict[str, int]) -> None:
    port = fake_backends["upload"]
    ok = subprocess.run(
        [sys.executable, str(HEALTHCHECK), f"127.0.0.1:{port}"], capture_output=True, check=False
    )
    unknown = subprocess.run(
        [sys.executable, str(HEALTHCHECK), f"127.0.0.1:{port}", "no.such.Service"],
        capture_output=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert unknown.returncode == 1 and b"NOT_FOUND" in unknown.stderr


def test_web_image_builds_the_app_and_serves_it_behind_envoy() -> None:
    services = _compose()["services"]
    web = services["web"]
    dockerfile = REPO_ROOT / web["build"]["dockerfile"]
    text = dockerfile.read_text()
    for source in re.findall(r"^COPY (?!--from)(\S+) ", text, flags=re.MULTILINE):
        assert (REPO_ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"
    assert "FROM node:20" in text and "npm ci" in text and "FROM python:3.11-slim" in text
    assert 'CMD ["python", "-m", "fitcoach_web"]' in text
    assert importlib.util.find_spec("fitcoach_web.__main__") is not None
    # Envoy waits for it; the container never gets the JWT secret (dev sign-in is for `make run` only).
    assert services["envoy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "SUPABASE_JWT_SECRET" not in web["environment"]
