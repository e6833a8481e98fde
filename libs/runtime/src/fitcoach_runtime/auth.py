"""Supabase Auth JWT verification, and dev tokens for the local stack.

Modes (AuthSettings.mode):
- ``jwks``: asymmetric keys (ES256/RS256) from the project's JWKS endpoint, cached; an unknown ``kid`` triggers
  at most one refetch per cooldown, so a storm of forged kids cannot hammer Supabase.
- ``hs256``: the legacy shared secret.
- ``dev``: hs256 with a locally generated secret; `mint_dev_token` makes Supabase-shaped tokens for `make run`.

Whatever the mode, a token must carry exp, sub (a UUID), aud=authenticated, iss=<SUPABASE_URL>/auth/v1 and
role=authenticated. Algorithms never mix families: an HS256 deployment accepts only HS256, a JWKS deployment
only ES256/RS256 — which defeats "HS256 signed with the public key" and ``alg: none``. The legacy anon and
service_role keys are JWTs without sub/aud and fail those checks.

Operators: a user whose token carries `app_metadata.role = "operator"` (app_metadata is writable only with
the project's service role, unlike user_metadata, which never grants anything) or whose id is listed in
OPERATOR_USER_IDS. The verifier decides it once, on the Principal; the server's interceptor refuses every
operator-only RPC to anyone else (fitcoach_runtime.grpc_server.OPERATOR_SERVICES).

Service-to-service calls (the analyzer asking the advisor) carry no user, so they use `ServiceTokenVerifier`:
a pre-shared random token, compared in constant time, several accepted at once so it rotates without downtime.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from jwt import PyJWK

from .errors import Unauthenticated
from .settings import AuthSettings

ASYMMETRIC_ALGORITHMS = ("ES256", "RS256")
SYMMETRIC_ALGORITHMS = ("HS256",)
REQUIRED_CLAIMS = ("exp", "sub", "aud", "iss")
LEEWAY_S = 5  # clock skew between Supabase and this machine
OPERATOR_ROLE = "operator"
SERVICE_ROLE = "service"
# A service token is a random secret, not a password a person remembers: 32 characters of
# `secrets.token_urlsafe` or `openssl rand -hex 32` are far beyond guessing.
MIN_SERVICE_TOKEN_LENGTH = 32


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; `is_operator` is decided by the verifier (see the module docstring)."""

    user_id: str
    role: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    is_operator: bool = False


def has_operator_claim(claims: Mapping[str, Any]) -> bool:
    """`app_metadata.role == "operator"`: app_metadata is writable only by the project's service role, so
    it can carry authorization; user_metadata (writable by the user) never does."""
    app_metadata = claims.get("app_metadata")
    return isinstance(app_metadata, dict) and app_metadata.get("role") == OPERATOR_ROLE


_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "fitcoach_principal", default=None
)


def current_principal() -> Principal:
    """The caller of the RPC being served (set by the server's auth interceptor)."""
    principal = _principal.get()
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


def set_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _principal.set(principal)


class Verifier(Protocol):
    """What the server's auth interceptor needs: a bearer token in, the caller out, Unauthenticated if not."""

    async def verify(self, token: str) -> Principal: ...


class JwksCache:
    """Public keys of a JWKS endpoint by kid; refetches on an unknown kid at most once per cooldown.

    `clock` (monotonic seconds) is injectable so tests step through the cooldown instead of sleeping."""

    def __init__(
        self,
        url: str,
        cooldown_s: float = 30.0,
        client: httpx.AsyncClient | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.cooldown_s = cooldown_s
        self._client = client
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._last_fetch = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def get(self, kid: str) -> PyJWK | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and self._clock() - self._last_fetch >= self.cooldown_s:
                await self._fetch()
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        self._last_fetch = self._clock()
        self.fetches += 1
        client = self._client or httpx.AsyncClient(timeout=5.0)
        try:
            response = await client.get(self.url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            return  # keep the old keys; the cooldown limits retries
        finally:
            if self._client is None:
                await client.aclose()
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            return  # not a JWKS: keep the old keys
        self._keys = {  # rotation: keys removed upstream stop verifying
            entry["kid"]: key for entry in entries if (key := _signing_key(entry)) is not None
        }


def _signing_key(entry: Any) -> PyJWK | None:
    """An asymmetric signature key from one JWKS entry, or None: one odd entry must not void the others."""
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("kid"), str)
        or entry.get("use", "sig") != "sig"
    ):
        return None
    try:
        key = PyJWK(entry)  # infers alg from kty/crv when the entry has none
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    # Symmetric ("oct") keys in a JWKS would let anyone holding the public document mint HS256 tokens.
    return key if key.algorithm_name in ASYMMETRIC_ALGORITHMS else None


class TokenVerifier:
    """Verifies bearer tokens and returns the Principal they identify."""

    def __init__(self, settings: AuthSettings, jwks: JwksCache | None = None) -> None:
        self.settings = settings
        # Canonical once here, not per call: the list and a token may spell the same UUID differently.
        self.operator_user_ids = frozenset(str(uuid.UUID(text)) for text in settings.operator_user_ids)
        self.jwks = (
            jwks
            if jwks is not None or settings.mode != "jwks"
            else JwksCache(settings.jwks_url, settings.jwks_cooldown_s)
        )

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> TokenVerifier:
        return cls(settings)

    async def verify(self, token: str) -> Principal:
        # Messages name what is wrong in plain words; PyJWT's own texts ("Invalid header string: 'utf-8'
        # codec can't decode ...") describe the library, not the token, and never reach the caller.
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        alg = header.get("alg")
        if self.settings.mode == "jwks":
            if alg not in ASYMMETRIC_ALGORITHMS:
                raise Unauthenticated(f"token algorithm {_shown(alg)} not accepted")
            assert self.jwks is not None
            jwk = await self.jwks.get(str(header.get("kid", "")))
            if jwk is None:
                raise Unauthenticated("token signed by an unknown key")
            if jwk.algorithm_name != alg:
                # An ES256 header naming an RSA key (or the reverse) would make PyJWT raise TypeError.
                raise Unauthenticated(f"token algorithm {_shown(alg)} does not match its key")
            key: Any = jwk.key
            algorithms = [alg]
        else:
            if alg not in SYMMETRIC_ALGORITHMS:
                raise Unauthenticated(f"token algorithm {_shown(alg)} not accepted")
            key = self.settings.jwt_secret
            algorithms = list(SYMMETRIC_ALGORITHMS)
        _check_time_claims(unverified, self.settings.max_token_lifetime_s)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={"require": list(REQUIRED_CLAIMS)},
                leeway=LEEWAY_S,
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(_plain_reason(exc)) from None
        return principal_from_claims(claims, self.operator_user_ids)


def _shown(value: Any) -> str:
    """A header value for an error message: short, and only if it is a plain string."""
    return repr(value[:20]) if isinstance(value, str) else "of an unknown kind"


def _plain_reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "token expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "token not yet valid"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "token audience not accepted"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "token issuer not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token has no {exc.claim} claim"
    if isinstance(exc, jwt.exceptions.InvalidSubjectError):
        return "token subject is not a user id"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "token signature is invalid"
    if isinstance(exc, jwt.DecodeError):
        return "malformed token"
    return "invalid token"


def _check_time_claims(claims: Mapping[str, Any], max_lifetime_s: float) -> None:
    """exp/iat/nbf are numbers (PyJWT also takes numeric strings), and no token lives past the maximum:
    a stolen ten-year token would otherwise stay valid for ten years."""
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise Unauthenticated(f"token {name} must be a number")
    exp, iat = claims.get("exp"), claims.get("iat")
    if exp is None:
        return  # PyJWT's required-claim check names it
    too_far = exp - time.time() > max_lifetime_s + LEEWAY_S
    if too_far or (iat is not None and exp - iat > max_lifetime_s + LEEWAY_S):
        raise Unauthenticated(f"token lifetime exceeds the maximum of {max_lifetime_s:g} s")


def check_service_tokens(tokens: Sequence[str], variable: str = "") -> None:
    """ValueError when `tokens` is empty or one is too short; the message never contains a token.

    `variable` names the setting the tokens came from; the message starts with it."""
    prefix = f"{variable}: " if variable else ""
    if not tokens:
        raise ValueError(f"{prefix}at least one service token is required")
    short = [str(i) for i, token in enumerate(tokens, 1) if len(token.strip()) < MIN_SERVICE_TOKEN_LENGTH]
    if short:
        raise ValueError(
            f"{prefix}service tokens must be at least {MIN_SERVICE_TOKEN_LENGTH} characters (too short: token "
            f"{', '.join(short)} of {len(tokens)})"
        )


def _digest(token: str) -> bytes:
    # Comparing fixed-length digests keeps even a token's length out of the timing (compare_digest leaks it).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class ServiceTokenVerifier:
    """Accepts any of a few pre-shared service tokens; the Principal names the calling service.

    Several tokens are accepted so one can be rotated without downtime: add the new one to the callee, move
    the callers over, then remove the old one. Only SHA-256 digests are kept, so neither repr() nor a crash
    dump of this object shows a token.
    """

    def __init__(self, tokens: Sequence[str], *, caller: str = SERVICE_ROLE) -> None:
        check_service_tokens(tokens)
        self._digests = tuple(_digest(token.strip()) for token in tokens)
        self.caller = caller

    def __repr__(self) -> str:
        return f"ServiceTokenVerifier(<{len(self._digests)} tokens>, caller={self.caller!r})"

    async def verify(self, token: str) -> Principal:
        given = _digest(token.strip())
        # Every accepted digest is compared (no early exit), so timing does not say which one matched.
        matched = False
        for expected in self._digests:
            matched |= hmac.compare_digest(given, expected)
        if not matched:
            raise Unauthenticated("invalid service token")
        return Principal(user_id=self.caller, role=SERVICE_ROLE)


def principal_from_claims(claims: Mapping[str, Any], operator_user_ids: Collection[str] = ()) -> Principal:
    """The caller of verified claims; an operator by its claim or by being listed in `operator_user_ids`
    (canonical UUID strings, as `str(uuid.UUID(...))` spells them). The user id is canonicalised here, once: `{...}`, `urn:uuid:...`, upper case and undashed spellings of one
    UUID would otherwise be one user to the database and several in object keys and logs."""
    sub = claims.get("sub")
    try:
        user_id = str(uuid.UUID(sub)) if isinstance(sub, str) else ""
    except ValueError:
        user_id = ""
    if not user_id:
        raise Unauthenticated("token subject is not a user id")
    role = claims.get("role")
    if role != "authenticated":
        raise Unauthenticated(f"token role {_shown(role)} not accepted")
    listed = user_id in operator_user_ids
    return Principal(
        user_id=user_id, role=role, claims=dict(claims), is_operator=listed or has_operator_claim(claims)
    )


# Dev users named by the person (the web app's "switch user", `fitctl token --user NAME`) map to stable ids.
DEV_USER_NAMESPACE = uuid.UUID("6f1c5b2e-8d0a-4c39-9a57-3f0e2d6b7a41")
MAX_DEV_USER_NAME_CHARS = 64


def dev_user_id(name: str) -> str:
    """The dev user called `name` (case-insensitive): the same UUID on every machine and every run."""
    clean = name.strip().lower()
    if not clean or len(clean) > MAX_DEV_USER_NAME_CHARS:
        raise ValueError(f"a dev user name has 1 to {MAX_DEV_USER_NAME_CHARS} characters")
    return str(uuid.uuid5(DEV_USER_NAMESPACE, clean))


def stored_user_id(path: Path) -> str:
    """The UUID stored at `path`, or a new one stored there; concurrent first runs agree on one id.

    The machine's default dev athlete lives in `.fitcoach/dev-user`: fitctl and the web app act as the same
    person. ValueError when the file holds something else."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temp file, then hard-link it into place: the link is atomic and fails if another
        # process got there first, so readers never see a half-written file and everyone ends on one id.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_text(f"{uuid.uuid4()}\n", encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    try:
        return str(uuid.UUID(path.read_text(encoding="utf-8").strip()))
    except ValueError:
        raise ValueError(f"{path} does not hold a UUID; delete it to get a new dev user") from None


def mint_dev_token(
    secret: str,
    *,
    issuer: str,
    user_id: str | None = None,
    ttl_s: int = 3600,
    role: str = "authenticated",
    audience: str = "authenticated",
    extra: Mapping[str, Any] | None = None,
    operator: bool = False,
) -> str:
    """A Supabase-shaped HS256 token (for AUTH_MODE=dev and tests); `operator` puts the operator role in
    app_metadata, where Supabase keeps what only the project may set."""
    now = int(time.time())
    app_metadata: dict[str, Any] = {"provider": "email"}
    if operator:
        app_metadata["role"] = OPERATOR_ROLE
    claims: dict[str, Any] = {
        "sub": user_id or str(uuid.uuid4()),
        "aud": audience,
        "role": role,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl_s,
        "email": "athlete@fitcoach.local",
        "app_metadata": app_metadata,
        **(extra or {}),
    }
    return jwt.encode(claims, secret, algorithm="HS256")
