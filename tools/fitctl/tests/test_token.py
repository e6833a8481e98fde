"""Dev tokens are minted with the stack's secret and pass the services' own verifier."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fitcoach_runtime.auth import TokenVerifier, dev_user_id
from fitcoach_runtime.errors import Unauthenticated
from fitcoach_runtime.settings import AuthSettings
from fitctl.cli import main
from fitctl.config import Context

SUPABASE_URL = "http://supabase.test"  # as in conftest's stack.env
SECRET = "fitctl-test-secret-" + "x" * 32


def dev_verifier(secret: str = SECRET) -> TokenVerifier:
    return TokenVerifier(AuthSettings(mode="dev", supabase_url=SUPABASE_URL, jwt_secret=secret))


async def test_token_command_mints_a_token_for_the_stable_dev_user(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await dev_verifier().verify(token)
    assert principal.user_id == Context().dev_user_id()
    assert principal.role == "authenticated"
    assert principal.claims["iss"] == f"{SUPABASE_URL}/auth/v1"

    assert main(["token"]) == 0
    assert (await dev_verifier().verify(capsys.readouterr().out.strip())).user_id == principal.user_id


async def test_token_for_another_user_and_wrong_secret(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = str(uuid.uuid4())
    assert main(["token", "--user", other, "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await dev_verifier().verify(token)
    assert principal.user_id == other
    assert principal.claims["exp"] - principal.claims["iat"] == 60
    with pytest.raises(Unauthenticated):
        await dev_verifier("another-secret-" + "y" * 32).verify(token)


async def test_token_user_by_name_is_the_web_apps_dev_user_of_that_name(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "--user", "Bob"]) == 0
    principal = await dev_verifier().verify(capsys.readouterr().out.strip())
    assert principal.user_id == dev_user_id("bob") != Context().dev_user_id()
    assert main(["token", "--user", "x" * 65]) == 2  # not a UUID, and too long for a name
    assert "1 to 64 characters" in capsys.readouterr().err


def test_token_without_a_stack_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["token"]) == 1
    assert capsys.readouterr().err.startswith("fitctl: no token:")
