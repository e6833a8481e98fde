"""Renders gateway/envoy.yaml.tmpl (string.Template, `${name}`) and starts Envoy with it."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

from fitcoach_runtime.settings import supabase_issuer

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
# Paths that need a valid user JWT at the edge: every FitCoach gRPC service, present and future (a new
# service's package is fitcoach.<area>.v1, so its paths start with "/fitcoach."). Health, reflection and the
# web app's public files are outside these prefixes. One place: add a prefix here, nowhere else.
EDGE_AUTH_PREFIXES = ("/fitcoach.",)
# gRPC answers for Envoy's own refusals, which would otherwise reach gRPC clients as UNKNOWN or INTERNAL:
# HTTP status → (grpc-status, grpc-message or None to keep Envoy's text).
LOCAL_REPLY_GRPC_STATUS: dict[int, tuple[int, str | None]] = {
    400: (3, "the request is not valid HTTP"),  # INVALID_ARGUMENT
    403: (16, None),  # jwt_authn's refusals (e.g. a wrong audience) are UNAUTHENTICATED, as in the services
    408: (4, "the request did not arrive completely in time"),  # DEADLINE_EXCEEDED
    413: (8, "the request is larger than the gateway accepts (1 MiB)"),  # RESOURCE_EXHAUSTED
}
# Headers over the limit are not here: over HTTP/2 Envoy resets that one stream, over HTTP/1.1 it answers 431
# before it has parsed the headers that would say the request is gRPC.


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int


@dataclass(frozen=True)
class GatewayLimits:
    """Envoy's timeouts and resource bounds (gateway/envoy.yaml.tmpl says what each one bounds); tests
    shorten them to watch them act."""

    unary_timeout: str = "60s"
    request_timeout: str = "15s"
    watch_max_duration: str = "960s"
    ops_stream_max_duration: str = "3600s"
    max_heap_bytes: int = 512 * 1024 * 1024
    max_connections: int = 10_000


@dataclass(frozen=True)
class EdgeAuth:
    """What the gateway's jwt_authn accepts: the services' rules (fitcoach_runtime.auth.TokenVerifier) for
    signature, issuer, audience, exp, maximum lifetime and a required `sub`. The services verify again
    (defence in depth) and also check `role` and canonicalise the user id.

    Exactly one key source: `hs256_secret` (AUTH_MODE hs256/dev) or `jwks_url` (AUTH_MODE jwks; fetched by
    Envoy and cached `jwks_cache_s`, ES256/RS256 keys only as the JWKS publishes them)."""

    issuer: str
    hs256_secret: str = ""
    jwks_url: str = ""
    audience: str = "authenticated"
    max_lifetime_s: int = 86_400
    jwks_cache_s: int = 600

    def __post_init__(self) -> None:
        if bool(self.hs256_secret) == bool(self.jwks_url):
            raise ValueError("EdgeAuth needs exactly one of hs256_secret and jwks_url")

    @classmethod
    def from_settings(cls, settings: Any) -> EdgeAuth:
        """From the services' fitcoach_runtime.settings.AuthSettings, so both layers check the same."""
        keys = (
            {"jwks_url": settings.jwks_url}
            if settings.mode == "jwks"
            else {"hs256_secret": settings.jwt_secret}
        )
        return cls(
            issuer=settings.issuer,
            audience=settings.audience,
            max_lifetime_s=int(settings.max_token_lifetime_s),
            **keys,
        )


# A `sub` is required and must look like a user id (any spelling Python's uuid.UUID reads; the services
# canonicalise it). Envoy matches this against the claim, so tokens without one (Supabase's legacy anon and
# service_role keys) stop here.
_SUB_PATTERN = r"(?i)(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?"
JWKS_CLUSTER = "jwks"
# The operating system's CA bundle (Debian/Ubuntu path; the envoyproxy/envoy image has it too).
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _jwt_authn_config(auth: EdgeAuth) -> dict[str, Any]:
    provider: dict[str, Any] = {
        "issuer": auth.issuer,
        "audiences": [auth.audience],
        "require_expiration": True,
        "max_lifetime": f"{auth.max_lifetime_s}s",
        "clock_skew_seconds": 5,
        "subjects": {"safe_regex": {"regex": _SUB_PATTERN}},
        "forward": True,  # the services verify the same token again
    }
    if auth.hs256_secret:
        key = base64.urlsafe_b64encode(auth.hs256_secret.encode()).decode().rstrip("=")
        jwks = {"keys": [{"kty": "oct", "alg": "HS256", "k": key}]}
        provider["local_jwks"] = {"inline_string": json.dumps(jwks)}
    else:
        provider["remote_jwks"] = {
            "http_uri": {"uri": auth.jwks_url, "cluster": JWKS_CLUSTER, "timeout": "5s"},
            "cache_duration": f"{auth.jwks_cache_s}s",
            # Fetched at start and refreshed in the background, never on a caller's request path.
            "async_fetch": {"fast_listener": True, "failed_refetch_duration": "2s"},
        }
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        "providers": {"supabase": provider},
        "rules": [
            {"match": {"prefix": p}, "requires": {"provider_name": "supabase"}} for p in EDGE_AUTH_PREFIXES
        ],
    }


def _jwks_cluster(auth: EdgeAuth) -> str:
    """The cluster Envoy fetches the JWKS from (TLS with SNI for https, as Supabase serves it)."""
    if not auth.jwks_url:
        return ""
    url = urlsplit(auth.jwks_url)
    host = url.hostname or ""
    tls = url.scheme == "https"
    cluster: dict[str, Any] = {
        "name": JWKS_CLUSTER,
        "type": "STRICT_DNS",
        "dns_lookup_family": "V4_ONLY",
        "connect_timeout": "5s",
        "load_assignment": {
            "cluster_name": JWKS_CLUSTER,
            "endpoints": [
                {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                    "address": host, "port_value": url.port or (443 if tls else 80)}}}}]}
            ],
        },
    }  # fmt: skip
    if tls:
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                "sni": host,
                # The keys decide who may sign in: the server must prove it is the project's host.
                "common_tls_context": {
                    "validation_context": {
                        "trusted_ca": {"filename": SYSTEM_CA_BUNDLE},
                        "match_typed_subject_alt_names": [{"san_type": "DNS", "matcher": {"exact": host}}],
                    }
                },
            },
        }
    return f"    - {json.dumps(cluster)}\n"


def _grpc_local_replies() -> str:
    """local_reply_config mappers: a gRPC (or gRPC-web) request that Envoy itself refuses gets the status in
    LOCAL_REPLY_GRPC_STATUS. Refusals Envoy sends before it knows the request is gRPC (a request timeout on an
    HTTP/1.1 gRPC-web body) are rewritten into a gRPC answer (HTTP 200, application/grpc, grpc-status), since
    the grpc_web filter turns any other answer into UNKNOWN."""
    grpc_request = {
        "header_filter": {"header": {"name": "content-type", "string_match": {"prefix": "application/grpc"}}}
    }
    mappers = []
    for code, (grpc_status, message) in LOCAL_REPLY_GRPC_STATUS.items():
        status_is = {
            "status_code_filter": {
                "comparison": {
                    "op": "EQ",
                    "value": {"default_value": code, "runtime_key": f"fitcoach.local_reply.{code}"},
                }
            }
        }
        mapper: dict[str, Any] = {
            "filter": {"and_filter": {"filters": [status_is, grpc_request]}},
            "headers_to_add": [
                {
                    "header": {"key": "grpc-status", "value": str(grpc_status)},
                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                }
            ],
        }
        if message is not None:
            mapper["status_code"] = 200
            mapper["body_format_override"] = {"text_format": "", "content_type": "application/grpc"}
            mapper["headers_to_add"].append(
                {
                    "header": {"key": "grpc-message", "value": message},
                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                }
            )
        mappers.append(mapper)
    return json.dumps(mappers)  # fmt: skip


def _origin_matchers(origins: Sequence[str]) -> str:
    """CORS origins as Envoy StringMatchers (JSON is valid YAML); "*" allows any origin."""
    matchers = [{"safe_regex": {"regex": ".*"}} if o == "*" else {"exact": o} for o in origins]
    return json.dumps(matchers)


# One load-balanced endpoint of a cluster (indented to sit under `lb_endpoints:` in cluster.yaml.tmpl).
_ENDPOINT = """\
              - endpoint:
                  address:
                    socket_address: { address: %s, port_value: %d }"""


def _endpoints(upstreams: Upstream | Sequence[Upstream]) -> str:
    replicas = [upstreams] if isinstance(upstreams, Upstream) else list(upstreams)
    if not replicas:
        raise ValueError("an upstream cluster needs at least one endpoint")
    return "\n".join(_ENDPOINT % (up.host, up.port) for up in replicas)


def render_gateway(
    *,
    upstreams: Mapping[str, Upstream | Sequence[Upstream]],
    listen_address: str = "127.0.0.1",
    listen_port: int,
    admin_address: str = "127.0.0.1",
    admin_port: int,
    cors_origins: Sequence[str] = (),
    limits: GatewayLimits = GatewayLimits(),
    hc_interval: str = "1s",
    template_dir: Path = GATEWAY_DIR,
    edge_auth: EdgeAuth,
) -> str:
    """The Envoy config text. `upstreams` needs upload, analyzer, advisor (each one endpoint or several
    replicas, balanced round robin among the healthy ones); reflection defaults to analyzer; `web` (the web
    app's server) to a closed port, so without it the app's paths answer 503.
    `edge_auth` says which tokens the gateway accepts on the gRPC service paths (EDGE_AUTH_PREFIXES)."""
    upstreams = dict(upstreams)
    upstreams.setdefault("reflection", upstreams["analyzer"])
    web = upstreams.pop("web", None) or Upstream("127.0.0.1", CLOSED_PORT)
    assert isinstance(web, Upstream), "the web app has one server"
    missing = set(HEALTH_SERVICES) - set(upstreams)
    if missing:
        raise ValueError(f"missing upstreams: {sorted(missing)}")
    cluster_tmpl = Template((template_dir / "cluster.yaml.tmpl").read_text())
    clusters = "".join(
        cluster_tmpl.substitute(
            name=name,
            endpoints=_endpoints(up),
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
        **asdict(limits),
        jwt_authn=json.dumps(_jwt_authn_config(edge_auth)),
        grpc_local_replies=_grpc_local_replies(),
        clusters=clusters.rstrip() + "\n" + _jwks_cluster(edge_auth),
        web_cluster=web_cluster,
    )


def start_gateway(
    work_dir: Path,
    *,
    upload: int | Sequence[int],
    analyzer: int | Sequence[int],
    advisor: int | Sequence[int],
    reflection: int | Sequence[int] | None = None,
    web: int | None = None,
    cors_origins: Sequence[str] = (),
    listen_port: int | None = None,
    log_level: str = "warning",
    host: str = "127.0.0.1",
    edge_auth: EdgeAuth,
    limits: GatewayLimits = GatewayLimits(),
) -> EnvoyServer:
    """Renders a config routing to `host:<port>` upstreams (a list of ports: replicas) into work_dir and
    starts Envoy (blocks until ready)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    services = {"upload": upload, "analyzer": analyzer, "advisor": advisor}
    if reflection is not None:
        services["reflection"] = reflection
    upstreams: dict[str, Upstream | list[Upstream]] = {
        name: [Upstream(host, p) for p in ([ports] if isinstance(ports, int) else ports)]
        for name, ports in services.items()
    }
    if web is not None:
        upstreams["web"] = Upstream(host, web)

    def render(listen: int, admin: int) -> str:
        return render_gateway(
            upstreams=upstreams,
            listen_port=listen,
            admin_port=admin,
            cors_origins=cors_origins,
            edge_auth=edge_auth,
            limits=limits,
        )

    server = EnvoyServer(
        work_dir / "envoy.yaml", render, listen_port=listen_port, log_path=work_dir / "envoy.log",
        log_level=log_level,
    )  # fmt: skip
    server.start()
    return server


# docker-compose.yml: services reach each other by name on the default gRPC port.
COMPOSE_CONFIG = GATEWAY_DIR / "envoy.compose.yaml"
COMPOSE_CORS_ORIGINS = ("http://localhost:5173",)
# Compose runs AUTH_MODE=jwks against a Supabase project. Envoy reads no environment variables, so the
# committed file is rendered for .env.example's placeholder project; render it for yours with
# `python -m fitcoach_stack.gateway --supabase-url https://<ref>.supabase.co` (until then every gRPC call
# is refused at the edge: it fails closed).
COMPOSE_SUPABASE_URL = "https://your-project.supabase.co"


def render_compose_gateway(supabase_url: str = COMPOSE_SUPABASE_URL) -> str:
    header = "# GENERATED from envoy.yaml.tmpl by `python -m fitcoach_stack.gateway`; do not edit.\n"
    issuer = supabase_issuer(supabase_url)
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
        edge_auth=EdgeAuth(issuer=issuer, jwks_url=issuer + "/.well-known/jwks.json"),
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=f"Render {COMPOSE_CONFIG.name} for docker compose.")
    parser.add_argument("--supabase-url", default=COMPOSE_SUPABASE_URL, help="your project's SUPABASE_URL")
    args = parser.parse_args()
    COMPOSE_CONFIG.write_text(render_compose_gateway(args.supabase_url))
    print(f"wrote {COMPOSE_CONFIG}")
