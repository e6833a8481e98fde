"""Settings: every problem in one SettingsError, secrets never echoed, conversions, derived endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fitcoach_runtime.settings import (
    AuthSettings,
    DatabaseSettings,
    NatsSettings,
    ServerSettings,
    SettingsError,
    StorageSettings,
    env_field,
    env_names,
    load_settings,
)

SUPABASE = "https://abcd.supabase.co"
SECRET = "s" * 40


@dataclass(frozen=True)
class Kinds:
    flag: bool = env_field("T_FLAG", False)
    count: int = env_field("T_COUNT", 3)
    ratio: float = env_field("T_RATIO", 0.5)
    names: tuple[str, ...] = env_field("T_NAMES", ())
    maybe: int | None = env_field("T_MAYBE", None)
    token: str = env_field("T_TOKEN", "", secret=True)
    pin: int = env_field("T_PIN", 0, secret=True)


@dataclass(frozen=True)
class ServiceSettings:
    server: ServerSettings = field(default_factory=ServerSettings)
    db: DatabaseSettings = field(default_factory=lambda: DatabaseSettings(url="unused"))
    nats: NatsSettings = field(default_factory=lambda: NatsSettings(url="unused"))
    auth: AuthSettings = field(default_factory=lambda: AuthSettings(supabase_url=SUPABASE))


def test_env_names_lists_what_a_class_reads_nested_groups_included() -> None:
    assert env_names(Kinds) == ["T_FLAG", "T_COUNT", "T_RATIO", "T_NAMES", "T_MAYBE", "T_TOKEN", "T_PIN"]
    names = env_names(ServiceSettings)
    assert names[: len(env_names(ServerSettings))] == env_names(ServerSettings)
    assert {"DATABASE_URL", "NATS_URL", "SUPABASE_URL", "GRPC_LISTEN"} <= set(names)
    assert len(names) == len(set(names))


def test_defaults_apply_when_unset_or_blank() -> None:
    assert load_settings(Kinds, {"T_COUNT": "  "}) == Kinds()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
    ],
)
def test_bool_conversion(raw: str, expected: bool) -> None:
    assert load_settings(Kinds, {"T_FLAG": raw}).flag is expected


def test_numbers_tuples_and_optionals_convert() -> None:
    got = load_settings(
        Kinds, {"T_COUNT": " 42 ", "T_RATIO": "2.5", "T_NAMES": " a, b ,,c ", "T_MAYBE": "7", "T_PIN": "1234"}
    )
    assert (got.count, got.ratio, got.names, got.maybe, got.pin) == (42, 2.5, ("a", "b", "c"), 7, 1234)


def test_every_malformed_variable_is_reported_at_once() -> None:
    env = {"T_FLAG": "maybe", "T_COUNT": "3.5", "T_RATIO": "fast", "T_MAYBE": "x"}
    with pytest.raises(SettingsError) as caught:
        load_settings(Kinds, env)
    text = str(caught.value)
    for name in ("T_FLAG='maybe'", "T_COUNT='3.5'", "T_RATIO='fast'", "T_MAYBE='x'"):
        assert name in text


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf"])
def test_non_finite_floats_are_rejected(raw: str) -> None:
    with pytest.raises(SettingsError, match="T_RATIO"):
        load_settings(Kinds, {"T_RATIO": raw})


def test_malformed_secrets_are_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(Kinds, {"T_PIN": "hunter2-secret"})
    assert "T_PIN=<secret>" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_secrets_stay_out_of_repr() -> None:
    settings = load_settings(DatabaseSettings, {"DATABASE_URL": "postgresql://app:pa55word@db/app"})
    assert settings.url.endswith("@db/app")
    assert "pa55word" not in repr(settings)
    auth = AuthSettings(mode="hs256", supabase_url=SUPABASE, jwt_secret=SECRET)
    assert SECRET not in repr(auth)


def test_missing_malformed_and_invalid_groups_reported_together() -> None:
    env = {"GRPC_MAX_CONCURRENT_RPCS": "many", "AUTH_MODE": "magic", "SUPABASE_URL": SUPABASE}
    with pytest.raises(SettingsError) as caught:
        load_settings(ServiceSettings, env)
    text = str(caught.value)
    assert "DATABASE_URL is required" in text
    assert "NATS_URL is required" in text
    assert "GRPC_MAX_CONCURRENT_RPCS='many'" in text
    # A broken sibling group must not hide this group's own (__post_init__) validation.
    assert "AUTH_MODE must be jwks, hs256 or dev" in text


def test_required_variable_set_to_empty_counts_as_missing() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL is required"):
        load_settings(DatabaseSettings, {"DATABASE_URL": "  "})


def test_nested_groups_load_from_one_environment() -> None:
    env = {
        "DATABASE_URL": "postgresql://x/y",
        "DATABASE_STATEMENT_CACHE_SIZE": "0",
        "NATS_URL": "nats://a:4222, nats://b:4222",
        "SUPABASE_URL": SUPABASE,
        "LOG_FORMAT": "console",
        "SHUTDOWN_GRACE_S": "2.5",
    }
    got = load_settings(ServiceSettings, env)
    assert got.db.statement_cache_size == 0
    assert got.nats.servers == ["nats://a:4222", "nats://b:4222"]
    assert got.nats.stream == "FITCOACH_UPLOADS"
    assert (got.server.log_format, got.server.shutdown_grace_s) == ("console", 2.5)
    assert got.auth.mode == "jwks"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or console"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"SHUTDOWN_GRACE_S": "-1"}, "SHUTDOWN_GRACE_S must be >= 0"),
    ],
)
def test_server_settings_validation(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(ServerSettings, env)


def test_settings_read_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://env:4222")
    assert load_settings(NatsSettings).url == "nats://env:4222"


STORAGE_KEYS = {"R2_ACCESS_KEY": "ak", "R2_SECRET_KEY": "sk", "R2_BUCKET_NAME": "fit"}


def test_storage_r2_endpoint_and_region_derived_from_account() -> None:
    got = load_settings(StorageSettings, {**STORAGE_KEYS, "R2_ACCOUNT_ID": "acc123"})
    assert got.effective_endpoint == "https://acc123.r2.cloudflarestorage.com"
    assert got.effective_public_endpoint == got.effective_endpoint
    assert got.effective_region == "auto"


def test_storage_explicit_r2_endpoint_still_signs_with_auto() -> None:
    env = {**STORAGE_KEYS, "S3_ENDPOINT_URL": "https://acc123.r2.cloudflarestorage.com"}
    assert load_settings(StorageSettings, env).effective_region == "auto"


def test_storage_any_s3_endpoint() -> None:
    env = {
        **STORAGE_KEYS,
        "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
        "S3_PUBLIC_ENDPOINT_URL": "http://localhost:8333",
    }
    got = load_settings(StorageSettings, env)
    assert got.effective_endpoint == "http://127.0.0.1:8333"
    assert got.effective_public_endpoint == "http://localhost:8333"
    assert got.effective_region == "us-east-1"
    assert load_settings(StorageSettings, {**env, "S3_REGION": "eu-west-1"}).effective_region == "eu-west-1"


def test_storage_needs_an_endpoint_and_credentials() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(StorageSettings, {"R2_BUCKET_NAME": "fit"})
    assert "R2_ACCESS_KEY is required" in str(caught.value)
    assert "R2_SECRET_KEY is required" in str(caught.value)
    with pytest.raises(SettingsError, match=r"S3_ENDPOINT_URL .* or R2_ACCOUNT_ID"):
        load_settings(StorageSettings, STORAGE_KEYS)


def test_auth_settings_issuer_and_jwks_url() -> None:
    got = load_settings(AuthSettings, {"SUPABASE_URL": SUPABASE + "/"})
    assert got.issuer == SUPABASE + "/auth/v1"
    assert got.jwks_url == SUPABASE + "/auth/v1/.well-known/jwks.json"
    assert (got.audience, got.jwks_cooldown_s) == ("authenticated", 30.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTH_MODE": "none", "SUPABASE_URL": SUPABASE}, "AUTH_MODE must be jwks, hs256 or dev"),
        ({"AUTH_MODE": "jwks"}, "SUPABASE_URL is required"),
        ({"AUTH_MODE": "hs256", "SUPABASE_URL": SUPABASE}, "at least 32 characters"),
        (
            {"AUTH_MODE": "dev", "SUPABASE_URL": SUPABASE, "SUPABASE_JWT_SECRET": "short"},
            "at least 32 characters",
        ),
    ],
)
def test_auth_settings_validation(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(AuthSettings, env)
    assert "short" not in str(caught.value).replace("characters", "")


def test_auth_hs256_with_long_secret_is_valid() -> None:
    env = {"AUTH_MODE": "hs256", "SUPABASE_URL": SUPABASE, "SUPABASE_JWT_SECRET": SECRET}
    assert load_settings(AuthSettings, env).jwt_secret == SECRET
