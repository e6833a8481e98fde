"""Renders gateway/envoy.yaml.tmpl (string.Template, `${name}`) and starts Envoy with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from fitcoach_stack.process import free_ports
from fitcoach_stack.servers import EnvoyServer

# tools/stack/src/fitcoach_stack/gateway.py → the repository root (the package is installed editable).
REPO_ROOT = Path(__file__).resolve().parents[4]
GATEWAY_DIR = REPO_ROOT / "gateway"

# Which grpc.health.v1 service name each cluster's health check asks about ("" = the server as a whole).
HEALTH_SERVICES = {
    "upload": "fitcoach.upload.v1.UploadService",
    "analyzer": "fitcoach.activity.v1.ActivityService",
    "advisor": "fitcoach.advisor.v1.AdvisorService",
    "reflection": "",
}


# The discard port: nothing listens there on a development machine or in a container.
CLOSED_PORT = 9


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int


def _origin_matchers(origins: Sequence[str]) -> str:
    """CORS origins as Envoy StringMatchers (JSON is valid YAML); "*" allows any origin."""
    matchers = [{"safe_regex": {"regex": ".*"}} if o == "*" else {"exact": o} for o in origins]
    return json.dumps(matchers)


def render_gateway(
    *,
    upstreams: dict[str, Upstream],
    listen_address: str = "127.0.0.1",
    listen_port: int,
    admin_address: str = "127.0.0.1",
    admin_port: int,
    cors_origins: Sequence[str] = (),
    unary_timeout: str = "60s",
    hc_interval: str = "1s",
    template_dir: Path = GATEWAY_DIR,
) -> str:
    """The Envoy config text. `upstreams` needs upload, analyzer, advisor; reflection defaults to analyzer;
    `web` (the web app's server) to a closed port, so without it the app's paths answer 503."""
    upstreams = dict(upstreams)
    upstreams.setdefault("reflection", upstreams["analyzer"])
    web = upstreams.pop("web", None) or Upstream("127.0.0.1", CLOSED_PORT)
    missing = set(HEALTH_SERVICES) - set(upstreams)
    if missing:
        raise ValueError(f"missing upstreams: {sorted(missing)}")
    cluster_tmpl = Template((template_dir / "cluster.yaml.tmpl").read_text())
    clusters = "".join(
        cluster_tmpl.substitute(
            name=name,
            host=up.host,
            port=up.port,
            hc_interval=hc_interval,
            health_service=HEALTH_SERVICES[name],
        )
        for name, up in ((n, upstreams[n]) for n in HEALTH_SERVICES)
    )
    web_cluster = Template((template_dir / "web_cluster.yaml.tmpl").read_text()).substitute(
        host=web.host, port=web.port, hc_interval=hc_interval
    )
    return Template((template_dir / "envoy.yaml.tmpl").read_text()).substitute(
        admin_address=admin_address,
        admin_port=admin_port,
        listen_address=listen_address,
        listen_port=listen_port,
        cors_origins=_origin_matchers(cors_origins),
        unary_timeout=unary_timeout,
        clusters=clusters.rstrip() + "\n",
        web_cluster=web_cluster,
    )


def start_gateway(
    work_dir: Path,
    *,
    upload: int,
    analyzer: int,
    advisor: int,
    reflection: int | None = None,
    web: int | None = None,
    cors_origins: Sequence[str] = (),
    listen_port: int | None = None,
    log_level: str = "warning",
    host: str = "127.0.0.1",
) -> EnvoyServer:
    """Renders a config routing to `host:<port>` upstreams into work_dir and starts Envoy (blocks until ready)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    port, admin_port = free_ports(2)
    listen_port = listen_port or port
    upstreams = {"upload": upload, "analyzer": analyzer, "advisor": advisor}
    if reflection is not None:
        upstreams["reflection"] = reflection
    if web is not None:
        upstreams["web"] = web
    config = render_gateway(
        upstreams={name: Upstream(host, p) for name, p in upstreams.items()},
        listen_port=listen_port,
        admin_port=admin_port,
        cors_origins=cors_origins,
    )
    config_path = work_dir / "envoy.yaml"
    config_path.write_text(config)
    server = EnvoyServer(
        config_path, admin_port=admin_port, listen_port=listen_port, log_path=work_dir / "envoy.log",
        log_level=log_level,
    )  # fmt: skip
    server.start()
    return server


# docker-compose.yml: services reach each other by name on the default gRPC port.
COMPOSE_CONFIG = GATEWAY_DIR / "envoy.compose.yaml"
COMPOSE_CORS_ORIGINS = ("http://localhost:5173",)


def render_compose_gateway() -> str:
    header = "# GENERATED from envoy.yaml.tmpl by `python -m fitcoach_stack.gateway`; do not edit.\n"
    return header + render_gateway(
        upstreams={
            **{n: Upstream(n, 50051) for n in ("upload", "analyzer", "advisor")},
            "web": Upstream("web", 8080),
        },
        listen_address="0.0.0.0",
        listen_port=8080,
        admin_address="0.0.0.0",
        admin_port=9901,
        cors_origins=COMPOSE_CORS_ORIGINS,
        hc_interval="5s",
    )


if __name__ == "__main__":
    COMPOSE_CONFIG.write_text(render_compose_gateway())
    print(f"wrote {COMPOSE_CONFIG}")
