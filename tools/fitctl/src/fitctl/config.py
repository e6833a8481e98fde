"""Where the gateway is and who we are: flags, then environment, then `.fitcoach/stack.env`.

`make run` writes `.fitcoach/stack.env` (KEY=VALUE lines) with the gateway URL and the dev-mode JWT secret, so
a bare `fitctl upload x.fit` works from anywhere inside the checkout. The dev user id is kept beside it in
`.fitcoach/dev-user` so that every invocation on this machine acts as the same athlete (and `fitctl list`
shows earlier uploads).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

STACK_DIR = ".fitcoach"
STACK_ENV = "stack.env"
DEV_USER_FILE = "dev-user"
DEV_TOKEN_TTL_S = 3600


class ConfigError(Exception):
    """Something fitctl needs (gateway, token) could not be found; the message says how to provide it."""


def find_stack_env(start: Path | None = None) -> Path | None:
    """`.fitcoach/stack.env` in `start` (default: the current directory) or the nearest parent holding one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / STACK_DIR / STACK_ENV
        if candidate.is_file():
            return candidate
    return None


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines, `#` comments and an `export ` prefix are allowed, quotes are stripped."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class GatewayTarget:
    """A gRPC target (`host:port`) and whether to use TLS, parsed from a gateway URL."""

    address: str
    tls: bool


def parse_gateway(url: str) -> GatewayTarget:
    """`http://host:port` → plaintext, `https://host[:port]` → TLS; a bare `host:port` is plaintext."""
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "grpc", "grpcs") or not parts.hostname:
        raise ConfigError(f"gateway URL {url!r} is not http(s)://host:port")
    tls = parts.scheme in ("https", "grpcs")
    try:
        port = parts.port or (443 if tls else 80)
    except ValueError:
        raise ConfigError(f"gateway URL {url!r} has a bad port") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return GatewayTarget(address=f"{host}:{port}", tls=tls)


@dataclass
class Context:
    """Resolved settings for one fitctl run. Values are looked up lazily: `fitctl token` needs no gateway."""

    gateway_flag: str | None = None
    token_flag: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path | None = None
    _stack_env_path: Path | None = field(default=None, init=False)
    _stack: dict[str, str] | None = field(default=None, init=False)

    @property
    def stack_env_path(self) -> Path | None:
        self._load_stack()
        return self._stack_env_path

    def _load_stack(self) -> dict[str, str]:
        if self._stack is None:
            self._stack_env_path = find_stack_env(self.cwd)
            self._stack = parse_env_file(self._stack_env_path) if self._stack_env_path else {}
        return self._stack

    def setting(self, key: str) -> str | None:
        """The environment wins over stack.env, so one shell can point fitctl at another stack."""
        return self.environ.get(key) or self._load_stack().get(key) or None

    def gateway(self) -> GatewayTarget:
        url = self.gateway_flag or self.setting("FITCOACH_GATEWAY_URL")
        if not url:
            raise ConfigError(
                "no gateway: pass --gateway URL, set FITCOACH_GATEWAY_URL, or start the stack with `make run` "
                f"(which writes {STACK_DIR}/{STACK_ENV})"
            )
        return parse_gateway(url)

    def token(self) -> str:
        return self.token_flag or self.environ.get("FITCOACH_TOKEN") or self.mint_token()

    def operator_token(self) -> str:
        """For `fitctl admin`: --token or $FITCOACH_TOKEN (an operator's), else a dev operator token."""
        return self.token_flag or self.environ.get("FITCOACH_TOKEN") or self.mint_token(operator=True)

    def mint_token(
        self, user_id: str | None = None, ttl_s: int = DEV_TOKEN_TTL_S, *, operator: bool = False
    ) -> str:
        """A dev-mode token signed with the stack's secret, for the stable dev user unless `user_id` is given;
        `operator` adds the operator role (app_metadata.role), as a Supabase project would for its operators."""
        secret = self.setting("SUPABASE_JWT_SECRET")
        supabase_url = self.setting("SUPABASE_URL")
        if not secret or not supabase_url:
            raise ConfigError(
                "no token: pass --token or set FITCOACH_TOKEN, or run against a dev stack (`make run`) whose "
                f"{STACK_DIR}/{STACK_ENV} holds SUPABASE_JWT_SECRET and SUPABASE_URL"
            )
        # Imported only here: the JWT and crypto libraries behind it take a quarter of a second to load,
        # which every other command (and a local `fitctl analyze`) would pay for nothing.
        from fitcoach_runtime.auth import mint_dev_token
        from fitcoach_runtime.settings import supabase_issuer

        return mint_dev_token(
            secret,
            issuer=supabase_issuer(supabase_url),
            user_id=user_id or self.dev_user_id(),
            ttl_s=ttl_s,
            operator=operator,
        )

    def dev_user_id(self) -> str:
        """The machine's dev athlete: read from `.fitcoach/dev-user`, created on first use."""
        override = self.environ.get("FITCOACH_DEV_USER")
        if override:
            return str(uuid.UUID(override))
        folder = self.stack_env_path.parent if self.stack_env_path else (self.cwd or Path.cwd()) / STACK_DIR
        return stable_user_id(folder / DEV_USER_FILE)


def stable_user_id(path: Path) -> str:
    """Read the UUID stored at `path`, or store a new one; concurrent first runs agree on one id."""
    # On demand, like mint_token's import: fitctl starts fast.
    from fitcoach_runtime.auth import stored_user_id

    try:
        return stored_user_id(path)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
