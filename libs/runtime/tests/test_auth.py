"""Token verification (catalogue items 18 and 21): what is accepted, what is refused, and JWKS fetch discipline."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
import warnings

import jwt
import pytest
from fitcoach_runtime.auth import JwksCache, Principal, TokenVerifier, current_principal, mint_dev_token
from fitcoach_runtime.errors import Unauthenticated
from fitcoach_runtime.settings import AuthSettings
from runtime_testkit.jwks import JwksServer, SigningKey, claims_for, forge

SUPABASE = "https://abcd.supabase.co"
ISSUER = SUPABASE + "/auth/v1"
SECRET = "dev-secret-" + "x" * 32
ES = SigningKey.es256("es-main")
RS = SigningKey.rs256("rs-main")


@pytest.fixture
def hs256() -> TokenVerifier:
    return TokenVerifier.from_settings(AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET))


def jwks_verifier(server: JwksServer, cooldown_s: float = 30.0) -> TokenVerifier:
    settings = AuthSettings(mode="jwks", supabase_url=server.base_url, jwks_cooldown_s=cooldown_s)
    return TokenVerifier.from_settings(settings)


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    return caught.value.message


# ------------------------------------------------------------------------------------------------- HS256 / dev


async def test_dev_token_gives_principal(hs256: TokenVerifier) -> None:
    user = str(uuid.uuid4())
    principal = await hs256.verify(mint_dev_token(SECRET, issuer=ISSUER, user_id=user))
    assert isinstance(principal, Principal)
    assert (principal.user_id, principal.role, principal.is_operator) == (user, "authenticated", False)
    assert principal.claims["iss"] == ISSUER


async def test_dev_mode_verifies_like_hs256() -> None:
    verifier = TokenVerifier.from_settings(AuthSettings(mode="dev", supabase_url=SUPABASE, jwt_secret=SECRET))
    assert verifier.jwks is None
    assert (await verifier.verify(mint_dev_token(SECRET, issuer=ISSUER))).role == "authenticated"


def hs(claims: dict[str, object]) -> str:
    return jwt.encode(claims, SECRET, algorithm="HS256")


NOW = int(time.time())
REFUSED_HS256 = {
    "empty": "",
    "garbage": "not.a.jwt",
    "alg none": forge(claims_for(ISSUER), {"alg": "none", "typ": "JWT"}, None),
    "alg none, signed": forge(claims_for(ISSUER), {"alg": "none", "typ": "JWT"}, SECRET.encode()),
    "expired": hs(claims_for(ISSUER, iat=NOW - 7200, exp=NOW - 3600)),
    "future nbf": hs(claims_for(ISSUER, nbf=NOW + 3600)),
    "wrong aud": hs(claims_for(ISSUER, aud="anon")),
    "wrong iss": hs(claims_for(ISSUER, iss="https://evil.supabase.co/auth/v1")),
    "no exp": hs(claims_for(ISSUER, exp=None)),
    "no aud": hs(claims_for(ISSUER, aud=None)),
    "no sub": hs(claims_for(ISSUER, sub=None)),
    "sub not a uuid": hs(claims_for(ISSUER, sub="admin")),
    "service_role": hs(claims_for(ISSUER, role="service_role")),
    "no role": hs(claims_for(ISSUER, role=None)),
    # The legacy anon / service_role API keys: HS256 JWTs with iss "supabase", a ref and a role, no sub/aud.
    "legacy anon key": hs({"iss": "supabase", "ref": "abcd", "role": "anon", "iat": NOW, "exp": NOW + 10**8}),
    "legacy service key": hs(
        {"iss": "supabase", "ref": "abcd", "role": "service_role", "iat": NOW, "exp": NOW + 10**8}
    ),
    "wrong secret": jwt.encode(claims_for(ISSUER), "y" * 40, algorithm="HS256"),
    "ES256 in hs256 mode": ES.sign(claims_for(ISSUER)),
    "RS256 in hs256 mode": RS.sign(claims_for(ISSUER)),
    "HS512": None,  # filled below: PyJWT warns about the key length, which is the point here
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
    REFUSED_HS256["HS512"] = jwt.encode(claims_for(ISSUER), SECRET, algorithm="HS512")


@pytest.mark.parametrize("token", REFUSED_HS256.values(), ids=REFUSED_HS256.keys())
async def test_hs256_refuses(hs256: TokenVerifier, token: str) -> None:
    await refused(hs256, token)


async def test_tampered_payload_is_refused(hs256: TokenVerifier) -> None:
    header, _, signature = mint_dev_token(SECRET, issuer=ISSUER).split(".")
    other_payload = mint_dev_token(SECRET, issuer=ISSUER, operator=True)
    forged = f"{header}.{other_payload.split('.')[1]}.{signature}"
    assert await refused(hs256, forged) == "token signature is invalid"


async def test_small_clock_skew_is_tolerated(hs256: TokenVerifier) -> None:
    # iat/nbf a second ahead happens between machines; the 5 s leeway keeps such tokens valid.
    now = int(time.time())
    token = hs(claims_for(ISSUER, iat=now + 1, nbf=now + 1))
    assert (await hs256.verify(token)).role == "authenticated"


async def test_operator_role_comes_from_app_metadata_only(hs256: TokenVerifier) -> None:
    operator = await hs256.verify(mint_dev_token(SECRET, issuer=ISSUER, operator=True))
    assert operator.is_operator
    assert operator.claims["app_metadata"]["role"] == "operator"
    spelled_out = await hs256.verify(
        mint_dev_token(
            SECRET, issuer=ISSUER, extra={"app_metadata": {"provider": "email", "role": "operator"}}
        )
    )
    assert spelled_out.is_operator
    # user_metadata is writable by the user themselves: it never grants anything.
    self_declared = await hs256.verify(
        mint_dev_token(SECRET, issuer=ISSUER, extra={"user_metadata": {"role": "operator"}})
    )
    assert not self_declared.is_operator
    odd = await hs256.verify(mint_dev_token(SECRET, issuer=ISSUER, extra={"app_metadata": "operator"}))
    assert not odd.is_operator
    other_role = await hs256.verify(
        mint_dev_token(SECRET, issuer=ISSUER, extra={"app_metadata": {"role": "Operator "}})
    )
    assert not other_role.is_operator


async def test_operator_user_ids_make_listed_users_operators() -> None:
    listed, other = uuid.uuid4(), uuid.uuid4()
    verifier = TokenVerifier.from_settings(
        AuthSettings(
            mode="hs256",
            supabase_url=SUPABASE,
            jwt_secret=SECRET,
            operator_user_ids=(str(listed).upper(), str(uuid.uuid4())),
        )
    )
    assert (await verifier.verify(mint_dev_token(SECRET, issuer=ISSUER, user_id=str(listed)))).is_operator
    assert not (await verifier.verify(mint_dev_token(SECRET, issuer=ISSUER, user_id=str(other)))).is_operator


def test_operator_user_ids_must_be_user_ids() -> None:
    with pytest.raises(ValueError, match="OPERATOR_USER_IDS"):
        AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET, operator_user_ids=("admin",))


def test_current_principal_outside_an_rpc_is_unauthenticated() -> None:
    with pytest.raises(Unauthenticated):
        current_principal()


# ------------------------------------------------------------------------------------------------------ JWKS


async def test_jwks_accepts_es256_and_rs256(jwks_server: JwksServer) -> None:
    jwks_server.publish(ES, RS)
    verifier = jwks_verifier(jwks_server)
    issuer = verifier.settings.issuer
    for key in (ES, RS):
        user = str(uuid.uuid4())
        principal = await verifier.verify(key.sign(claims_for(issuer, sub=user)))
        assert principal.user_id == user
    assert jwks_server.requests == 1  # both kids came from one fetch, then the cache


async def test_jwks_refuses_forgeries(jwks_server: JwksServer) -> None:
    stranger = SigningKey.es256(ES.kid)  # same kid, different private key
    jwks_server.publish(ES, RS)
    verifier = jwks_verifier(jwks_server)
    issuer = verifier.settings.issuer
    claims = claims_for(issuer)
    await verifier.verify(ES.sign(claims))  # warm the cache
    # HS256 keyed with the published public key: the classic algorithm-confusion attack.
    for key in (ES, RS):
        for material in (key.public_pem(), key.public_pem().strip()):
            token = forge(claims, {"alg": "HS256", "typ": "JWT", "kid": key.kid}, material)
            assert "not accepted" in await refused(verifier, token)
    assert "not accepted" in await refused(verifier, forge(claims, {"alg": "none", "kid": ES.kid}, None))
    assert "not accepted" in await refused(verifier, mint_dev_token(SECRET, issuer=issuer))
    assert await refused(verifier, stranger.sign(claims)) == "token signature is invalid"
    # An ES256 header naming the RSA key (and the reverse) is refused, not an internal error.
    assert "does not match" in await refused(verifier, ES.sign(claims, kid=RS.kid))
    assert "does not match" in await refused(verifier, RS.sign(claims, kid=ES.kid))
    assert "unknown key" in await refused(verifier, ES.sign(claims, kid="nope"))
    # The claim checks hold in JWKS mode too.
    for bad in ({"aud": "anon"}, {"iss": ISSUER}, {"role": "service_role"}, {"sub": "admin"}, {"exp": 1}):
        await refused(verifier, ES.sign({**claims, **bad}))
    await refused(verifier, ES.sign({k: v for k, v in claims.items() if k != "sub"}))


async def test_unknown_kid_storm_fetches_at_most_once_per_cooldown(jwks_server: JwksServer) -> None:
    jwks_server.publish(ES)
    verifier = jwks_verifier(jwks_server, cooldown_s=30.0)
    claims = claims_for(verifier.settings.issuer)
    storm = [ES.sign(claims, kid=uuid.uuid4().hex) for _ in range(50)]
    results = await asyncio.gather(*(verifier.verify(t) for t in storm), return_exceptions=True)
    assert all(isinstance(r, Unauthenticated) for r in results)
    assert jwks_server.requests == 1
    # A second wave inside the cooldown fetches nothing, and the real key keeps working from the cache.
    await asyncio.gather(*(verifier.verify(t) for t in storm[:10]), return_exceptions=True)
    assert (await verifier.verify(ES.sign(claims))).role == "authenticated"
    assert jwks_server.requests == 1


async def test_key_rotation_is_accepted_after_cooldown(jwks_server: JwksServer) -> None:
    # The cache's clock is injected: the cooldown is stepped through, not slept through, so the "still
    # inside the cooldown" half is asserted on every machine however slow.
    old, new = SigningKey.es256(), SigningKey.es256()
    jwks_server.publish(old)
    clock = FakeClock()
    settings = AuthSettings(mode="jwks", supabase_url=jwks_server.base_url, jwks_cooldown_s=30.0)
    verifier = TokenVerifier(settings, JwksCache(settings.jwks_url, settings.jwks_cooldown_s, clock=clock))
    claims = claims_for(verifier.settings.issuer)
    await verifier.verify(old.sign(claims))
    jwks_server.publish(new)
    clock.now += 29.9
    assert await refused(verifier, new.sign(claims)) == "token signed by an unknown key"
    assert jwks_server.requests == 1
    clock.now += 0.1
    assert (await verifier.verify(new.sign(claims))).role == "authenticated"
    assert jwks_server.requests == 2
    # The rotated-out key no longer verifies once the fresh set replaced it.
    assert "unknown key" in await refused(verifier, old.sign(claims))


async def test_jwks_outage_keeps_the_cached_keys(jwks_server: JwksServer) -> None:
    jwks_server.publish(ES)
    cache = JwksCache(jwks_server.base_url + "/auth/v1/.well-known/jwks.json", cooldown_s=0.0)
    assert await cache.get(ES.kid) is not None
    for broken in (500, 200):
        jwks_server.status = broken
        jwks_server.document = ["not", "a", "jwks"]  # served as-is with 200, as HTML with 500
        assert await cache.get("unknown") is None
        assert await cache.get(ES.kid) is not None
    assert cache.fetches == jwks_server.requests == 3


async def test_jwks_keeps_good_keys_beside_odd_entries(jwks_server: JwksServer) -> None:
    no_alg = SigningKey.es256()
    entry_without_alg = {k: v for k, v in no_alg.jwk().items() if k != "alg"}
    oct_key = {"kty": "oct", "kid": "sym", "alg": "HS256", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}
    encryption = {**SigningKey.rs256("enc").jwk(), "use": "enc"}
    jwks_server.publish(
        ES, extra=[{"kty": "EC", "kid": "broken"}, "junk", oct_key, entry_without_alg, encryption]
    )
    cache = JwksCache(jwks_server.base_url + "/auth/v1/.well-known/jwks.json")
    assert await cache.get(ES.kid) is not None
    assert await cache.get(no_alg.kid) is not None
    assert await cache.get("sym") is None
    assert await cache.get("enc") is None
    assert await cache.get("broken") is None


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- hostile tokens (issue "Hostile clients", catalogue 28) ---------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["{%s}", "urn:uuid:%s", "%s-upper", "%s-hex"],
    ids=["braces", "urn", "upper-case", "no-dashes"],
)
async def test_a_user_id_is_canonicalised_once_at_authentication(hs256: TokenVerifier, spelling: str) -> None:
    # The database normalises UUIDs, object keys do not: every later use must see one spelling.
    user = uuid.uuid4()
    if spelling == "%s-upper":
        sub = str(user).upper()
    elif spelling == "%s-hex":
        sub = user.hex
    else:
        sub = spelling % user
    principal = await hs256.verify(hs(claims_for(ISSUER, sub=sub)))
    assert principal.user_id == str(user)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": str(NOW + 3600)}, "token exp must be a number"),
        ({"exp": True}, "token exp must be a number"),
        ({"iat": str(NOW)}, "token iat must be a number"),
        ({"nbf": [NOW]}, "token nbf must be a number"),
        ({"exp": NOW + 10 * 365 * 86400}, "token lifetime exceeds the maximum of 86400 s"),
        ({"iat": NOW - 3 * 86400, "exp": NOW + 3600}, "token lifetime exceeds the maximum of 86400 s"),
        ({"exp": NOW - 3600}, "token expired"),
        ({"nbf": NOW + 3600}, "token not yet valid"),
        ({"aud": "anon"}, "token audience not accepted"),
        ({"iss": "https://evil.test/auth/v1"}, "token issuer not accepted"),
        ({"sub": None}, "token has no sub claim"),
        ({"sub": 12}, "token subject is not a user id"),
        ({"role": "service_role"}, "token role 'service_role' not accepted"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_claim_errors_say_what_is_wrong_in_plain_words(
    hs256: TokenVerifier, claims: dict[str, object], message: str
) -> None:
    assert await refused(hs256, hs(claims_for(ISSUER, **claims))) == message


@pytest.mark.parametrize(
    "token",
    [
        "\xff\xfe.e30.x",
        base64.urlsafe_b64encode(b"\xff\xfe{").decode().rstrip("=") + ".e30.x",
        base64.urlsafe_b64encode(b"[1]").decode().rstrip("=") + ".e30.x",
        "a.b",
        "a" * 5000,
        hs(claims_for(ISSUER))[:-3] + "!!!",
    ],
    ids=[
        "not-base64",
        "header-not-utf8",
        "header-not-an-object",
        "two-parts",
        "long-garbage",
        "bad-signature-chars",
    ],
)
async def test_malformed_tokens_get_one_plain_message(hs256: TokenVerifier, token: str) -> None:
    message = await refused(hs256, token)
    assert message in ("malformed token", "token signature is invalid"), message
    for internal in ("codec", "Error", "Expecting", "Invalid header", "char "):
        assert internal not in message


def test_the_lifetime_limit_is_a_setting() -> None:
    settings = AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET, max_token_lifetime_s=600)
    assert settings.max_token_lifetime_s == 600
    with pytest.raises(ValueError, match="AUTH_MAX_TOKEN_LIFETIME_S must be positive"):
        AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET, max_token_lifetime_s=0)
