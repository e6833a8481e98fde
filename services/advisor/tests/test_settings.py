"""Advisor configuration from the environment."""

from __future__ import annotations

import pytest
from advisor_service.settings import AdvisorSettings
from fitcoach_runtime.settings import SettingsError, load_settings

TOKEN = "advisor-settings-token-" + "k" * 32
BASE = {"ADVISOR_SERVICE_TOKENS": TOKEN}


def test_defaults_without_a_key_mean_offline() -> None:
    settings = load_settings(AdvisorSettings, BASE)
    gemini = settings.gemini
    assert not gemini.enabled
    assert (gemini.model, gemini.timeout_s, gemini.retries, gemini.base_url) == (
        "gemini-2.5-flash",
        20.0,
        2,
        "",
    )
    assert settings.server.grpc_listen == "0.0.0.0:50051"


def test_everything_is_configurable() -> None:
    settings = load_settings(
        AdvisorSettings,
        {
            "GEMINI_API_KEY": "k",
            "GEMINI_MODEL": "gemini-2.5-pro",
            "GEMINI_TIMEOUT_S": "7.5",
            "GEMINI_RETRIES": "4",
            "GEMINI_BASE_URL": "http://127.0.0.1:1234",
            "GEMINI_BACKOFF_S": "0.2",
            "GEMINI_TOTAL_TIMEOUT_S": "30",
            "GRPC_LISTEN": "127.0.0.1:0",
            **BASE,
        },
    )
    config = settings.gemini.config()
    assert settings.gemini.enabled
    assert (config.api_key, config.model, config.timeout_s, config.retries) == ("k", "gemini-2.5-pro", 7.5, 4)
    assert (config.base_url, config.backoff_s, config.total_timeout_s) == ("http://127.0.0.1:1234", 0.2, 30.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEMINI_RETRIES": "-1"}, "GEMINI_RETRIES must be between 0 and 10"),
        ({"GEMINI_TIMEOUT_S": "0"}, "GEMINI_TIMEOUT_S and GEMINI_TOTAL_TIMEOUT_S must be > 0"),
        ({"GEMINI_BASE_URL": "localhost:1234"}, "GEMINI_BASE_URL must be an http(s) URL"),
        ({"GEMINI_TIMEOUT_S": "soon"}, "GEMINI_TIMEOUT_S='soon'"),
    ],
)
def test_bad_values_are_reported(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(AdvisorSettings, {**BASE, **env})


async def test_service_tokens_are_a_comma_separated_list_for_rotation() -> None:
    new = "advisor-settings-new-token-" + "n" * 32
    settings = load_settings(AdvisorSettings, {"ADVISOR_SERVICE_TOKENS": f" {new} ,{TOKEN},"})
    assert settings.callers.service_tokens == (new, TOKEN)
    verifier = settings.callers.verifier()
    assert (await verifier.verify(TOKEN)).user_id == "analyzer"
    assert (await verifier.verify(new)).role == "service"
    assert TOKEN not in repr(settings) and new not in repr(settings)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "ADVISOR_SERVICE_TOKENS is required"),
        ("", "ADVISOR_SERVICE_TOKENS is required"),
        (" , ", "ADVISOR_SERVICE_TOKENS: at least one service token is required"),
        (f"{TOKEN},too-short", "ADVISOR_SERVICE_TOKENS: service tokens must be at least 32 characters"),
    ],
    ids=["unset", "empty", "only-commas", "one-short"],
)
def test_service_tokens_are_required_and_long(value: str | None, message: str) -> None:
    env = {} if value is None else {"ADVISOR_SERVICE_TOKENS": value}
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(AdvisorSettings, env)
    assert "too-short" not in str(caught.value) and TOKEN not in str(caught.value)
