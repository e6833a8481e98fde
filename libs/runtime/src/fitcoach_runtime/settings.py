"""Settings read from the environment once, at start, and validated all at once.

A service declares a frozen dataclass whose fields are `env_field(...)`s or nested settings dataclasses and
calls `load_settings(MySettings)`. Every missing or malformed variable is reported in one SettingsError, so an
operator fixes the whole configuration in one go instead of one variable per restart.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

MIB = 1024 * 1024  # byte sizes in settings and limits

_ENV_KEY = "fitcoach_env"
_SECRET_KEY = "fitcoach_secret"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class SettingsError(Exception):
    """The environment does not describe a valid configuration."""


def env_field(name: str, default: Any = dataclasses.MISSING, *, secret: bool = False) -> Any:
    """A dataclass field read from the environment variable `name` (required when it has no default)."""
    # repr=False keeps secrets out of logs and tracebacks that print the settings object.
    return dataclasses.field(default=default, repr=not secret, metadata={_ENV_KEY: name, _SECRET_KEY: secret})


def _is_optional(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)


def _convert(raw: str, kind: Any) -> Any:
    # Error messages never contain `raw`: the caller decides whether the value may be shown (secrets not).
    if _is_optional(kind):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if raw.strip() == "" else _convert(raw, inner[0])
    if kind is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError("expected a boolean (true/false, 1/0, yes/no, on/off)")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError("expected an integer") from None
    if kind is float:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("expected a number") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        return number
    if typing.get_origin(kind) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _load(cls: type[T], env: Mapping[str, str], problems: list[str]) -> T | None:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    # Problems of this group only: a broken sibling group must not hide this group's own validation.
    mine: list[str] = []
    # cls is a settings dataclass; T cannot say so (dataclass types have no public protocol to bound it by).
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        kind = hints[field.name]
        name = field.metadata.get(_ENV_KEY)
        if name is None:
            if dataclasses.is_dataclass(kind):
                nested = _load(kind, env, mine)  # type: ignore[arg-type]
                if nested is not None:
                    values[field.name] = nested
            continue
        raw = env.get(name)
        blank = raw is None or raw.strip() == ""
        if blank and field.default is not dataclasses.MISSING:
            continue
        if blank and not (raw is not None and _is_optional(kind)):
            # Set-but-empty counts as missing: compose's ${VAR} expands an unset variable to "".
            mine.append(f"{name} is required")
            continue
        assert raw is not None
        try:
            values[field.name] = _convert(raw, kind)
        except ValueError as exc:
            shown = "<secret>" if field.metadata.get(_SECRET_KEY) else repr(raw)
            mine.append(f"{name}={shown}: {exc}")
    problems.extend(mine)
    if mine:
        return None
    try:
        return cls(**values)
    except ValueError as exc:  # __post_init__ validation
        problems.append(str(exc))
        return None


def env_names(cls: type) -> list[str]:
    """The environment variables a settings class reads, its nested groups' included, in declaration order
    (what the configuration table in docs/architecture.md must list)."""
    hints = typing.get_type_hints(cls)
    names: list[str] = []
    for field in dataclasses.fields(cls):
        name = field.metadata.get(_ENV_KEY)
        if name is not None:
            names.append(name)
        elif dataclasses.is_dataclass(hints[field.name]):
            names += env_names(hints[field.name])
    return names


def load_settings(cls: type[T], env: Mapping[str, str] | None = None) -> T:
    """Build `cls` from the environment (or `env`), raising SettingsError that lists every problem."""
    problems: list[str] = []
    settings = _load(cls, os.environ if env is None else env, problems)
    if problems or settings is None:
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems))
    return settings


@dataclass(frozen=True)
class ServerSettings:
    """How a service serves gRPC, metrics and logs."""

    grpc_listen: str = env_field("GRPC_LISTEN", "0.0.0.0:50051")
    metrics_listen: str = env_field("METRICS_LISTEN", "")
    # How often gauges computed from the database (the dashboard's figures) are refreshed for /metrics.
    metrics_refresh_s: float = env_field("METRICS_REFRESH_S", 15.0)
    log_level: str = env_field("LOG_LEVEL", "INFO")
    log_format: str = env_field("LOG_FORMAT", "json")
    shutdown_grace_s: float = env_field("SHUTDOWN_GRACE_S", 10.0)
    # Seconds to keep serving after reporting NOT_SERVING; set it above the gateway's health-check interval
    # in deployments (compose: 6 s for Envoy's 5 s checks). 0 locally and in tests.
    shutdown_drain_s: float = env_field("SHUTDOWN_DRAIN_S", 0.0)
    max_concurrent_rpcs: int = env_field("GRPC_MAX_CONCURRENT_RPCS", 1000)

    def __post_init__(self) -> None:
        if self.log_format not in ("json", "console"):
            raise ValueError(f"LOG_FORMAT must be json or console, got {self.log_format!r}")
        if self.log_level.upper() not in _LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {self.log_level!r}")
        if self.metrics_refresh_s <= 0:
            raise ValueError(f"METRICS_REFRESH_S must be positive, got {self.metrics_refresh_s}")
        if self.shutdown_grace_s < 0:
            raise ValueError(f"SHUTDOWN_GRACE_S must be >= 0, got {self.shutdown_grace_s}")
        if self.shutdown_drain_s < 0:
            raise ValueError(f"SHUTDOWN_DRAIN_S must be >= 0, got {self.shutdown_drain_s}")


@dataclass(frozen=True)
class DatabaseSettings:
    """PostgreSQL. Behind Supabase's transaction pooler set DATABASE_STATEMENT_CACHE_SIZE=0."""

    url: str = env_field("DATABASE_URL", secret=True)
    statement_cache_size: int = env_field("DATABASE_STATEMENT_CACHE_SIZE", 100)
    pool_max_size: int = env_field("DATABASE_POOL_MAX_SIZE", 10)


@dataclass(frozen=True)
class NatsSettings:
    """NATS with JetStream; `url` may list several servers separated by commas."""

    url: str = env_field("NATS_URL")
    stream: str = env_field("NATS_STREAM", "FITCOACH_UPLOADS")
    # Copies of the stream (and its consumers) kept on distinct cluster nodes: 3 on a 3-node cluster survives
    # the loss of one node; 1 on a single server.
    stream_replicas: int = env_field("NATS_STREAM_REPLICAS", 1)

    def __post_init__(self) -> None:
        if not 1 <= self.stream_replicas <= 5:
            raise ValueError(f"NATS_STREAM_REPLICAS must be 1 to 5, got {self.stream_replicas}")

    @property
    def servers(self) -> list[str]:
        return [part.strip() for part in self.url.split(",") if part.strip()]


@dataclass(frozen=True)
class StorageSettings:
    """Object storage: Cloudflare R2 in production, any S3 API (SeaweedFS locally) otherwise."""

    access_key: str = env_field("R2_ACCESS_KEY", secret=True)
    secret_key: str = env_field("R2_SECRET_KEY", secret=True)
    bucket: str = env_field("R2_BUCKET_NAME")
    account_id: str = env_field("R2_ACCOUNT_ID", "")
    endpoint_url: str = env_field("S3_ENDPOINT_URL", "")
    public_endpoint_url: str = env_field("S3_PUBLIC_ENDPOINT_URL", "")
    region: str = env_field("S3_REGION", "")

    def __post_init__(self) -> None:
        if not self.endpoint_url and not self.account_id:
            raise ValueError("set S3_ENDPOINT_URL (any S3 API) or R2_ACCOUNT_ID (Cloudflare R2)")

    @property
    def effective_endpoint(self) -> str:
        return self.endpoint_url or f"https://{self.account_id}.r2.cloudflarestorage.com"

    @property
    def effective_public_endpoint(self) -> str:
        return self.public_endpoint_url or self.effective_endpoint

    @property
    def effective_region(self) -> str:
        # R2 signs with region "auto" (also when its endpoint is given explicitly); other S3 APIs accept us-east-1.
        if self.region:
            return self.region
        host = urlsplit(self.effective_endpoint).hostname or ""
        return "auto" if host.endswith(".r2.cloudflarestorage.com") else "us-east-1"


def supabase_issuer(supabase_url: str) -> str:
    """The `iss` Supabase Auth writes in its tokens: the project URL + /auth/v1 (every signer and checker)."""
    return supabase_url.rstrip("/") + "/auth/v1"


@dataclass(frozen=True)
class AuthSettings:
    """Supabase Auth: JWKS (ES256/RS256), the legacy HS256 secret, or a local dev secret."""

    mode: str = env_field("AUTH_MODE", "jwks")
    supabase_url: str = env_field("SUPABASE_URL", "")
    jwt_secret: str = env_field("SUPABASE_JWT_SECRET", "", secret=True)
    audience: str = env_field("AUTH_AUDIENCE", "authenticated")
    jwks_cooldown_s: float = env_field("AUTH_JWKS_COOLDOWN_S", 30.0)
    # Supabase issues 1 h tokens by default (at most a week, if a project raises it); a token whose exp is
    # further away than this is refused, so a leaked long-lived token cannot be used for years.
    max_token_lifetime_s: int = env_field("AUTH_MAX_TOKEN_LIFETIME_S", 86_400)
    # Users who are operators whatever their token says (comma-separated user ids); the other way is
    # app_metadata.role = "operator" in their Supabase token.
    operator_user_ids: tuple[str, ...] = env_field("OPERATOR_USER_IDS", ())

    def __post_init__(self) -> None:
        bad = [value for value in self.operator_user_ids if not _is_uuid(value)]
        if bad:
            raise ValueError(f"OPERATOR_USER_IDS must list user ids (UUIDs); not one: {', '.join(bad)}")
        if self.mode not in ("jwks", "hs256", "dev"):
            raise ValueError(f"AUTH_MODE must be jwks, hs256 or dev, got {self.mode!r}")
        if not self.supabase_url:
            raise ValueError("SUPABASE_URL is required (it defines the token issuer)")
        if self.max_token_lifetime_s <= 0:
            raise ValueError(f"AUTH_MAX_TOKEN_LIFETIME_S must be positive, got {self.max_token_lifetime_s}")
        if self.mode in ("hs256", "dev") and len(self.jwt_secret) < 32:
            raise ValueError(f"AUTH_MODE={self.mode} needs SUPABASE_JWT_SECRET of at least 32 characters")

    @property
    def issuer(self) -> str:
        return supabase_issuer(self.supabase_url)

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/.well-known/jwks.json"
