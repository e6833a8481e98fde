"""The web app's server: static files with the right caching, runtime config without secrets, and dev sign-in
that exists only in AUTH_MODE=dev (the browser never holds the signing secret)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from fitcoach_runtime.auth import dev_user_id
from fitcoach_runtime.settings import SettingsError, load_settings
from fitcoach_web.app import DistMissing, create_app
from fitcoach_web.settings import WebSettings

SECRET = "web-server-tests-secret-" + "s" * 32
SUPABASE_URL = "http://127.0.0.1:54321"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')")
    (root / "favicon.svg").write_text("<svg/>")
    return root


@pytest.fixture
async def client_for(dist: Path, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    clients: list[TestClient[Any, Any]] = []

    async def make(**env: str) -> TestClient[Any, Any]:
        settings = load_settings(
            WebSettings,
            {"WEB_DIST_DIR": str(dist), "WEB_DEV_USER_FILE": str(tmp_path / "dev-user"), **env},
        )
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


DEV = {"AUTH_MODE": "dev", "SUPABASE_URL": SUPABASE_URL, "SUPABASE_JWT_SECRET": SECRET}


async def test_app_routes_get_index_assets_are_immutable_and_missing_files_are_404(client_for: Any) -> None:
    client = await client_for(**DEV)
    page = await client.get("/activities/3f0c3c1e-0000-4000-8000-000000000000")
    assert page.status == 200 and "id=root" in await page.text()
    assert page.headers["Cache-Control"] == "no-cache"
    asset = await client.get("/assets/index-abc123.js")
    assert asset.status == 200 and "immutable" in asset.headers["Cache-Control"]
    assert asset.headers["X-Content-Type-Options"] == "nosniff"
    assert (await client.get("/assets/index-old.js")).status == 404
    assert (await client.get("/nothing-here.png")).status == 404
    assert (await client.get("/../../etc/passwd")).status in (
        200,
        404,
    )  # normalised to an app route, never a file
    assert "root:" not in await (await client.get("/%2e%2e/%2e%2e/etc/passwd")).text()


async def test_config_says_how_to_sign_in_and_never_carries_the_secret(client_for: Any) -> None:
    dev = await (await (await client_for(**DEV)).get("/config.json")).json()
    assert dev["auth"] == {"mode": "dev"}
    assert dev["map"] == {"tileUrl": "", "attribution": ""}
    supabase = await client_for(
        AUTH_MODE="jwks", SUPABASE_URL="https://x.supabase.co", SUPABASE_ANON_KEY="anon-key",
        SUPABASE_JWT_SECRET=SECRET, MAP_TILE_URL="https://tiles.example/{z}/{x}/{y}.png", MAX_UPLOAD_BYTES="1000",
    )  # fmt: skip
    response = await supabase.get("/config.json")
    text = await response.text()
    assert SECRET not in text and response.headers["Cache-Control"] == "no-store"
    config = await response.json()
    assert config["auth"] == {
        "mode": "supabase",
        "supabaseUrl": "https://x.supabase.co",
        "anonKey": "anon-key",
    }
    assert config["map"]["tileUrl"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["maxUploadBytes"] == 1000
    bare = await (await (await client_for(AUTH_MODE="hs256")).get("/config.json")).json()
    assert bare["auth"] == {"mode": "unconfigured"}


async def test_dev_token_is_the_machine_dev_user_or_a_named_one(client_for: Any, tmp_path: Path) -> None:
    client = await client_for(**DEV)
    default = await (await client.post("/auth/dev/token", json={})).json()
    claims = jwt.decode(
        default["accessToken"], SECRET, algorithms=["HS256"], audience="authenticated",
        issuer=f"{SUPABASE_URL}/auth/v1",
    )  # fmt: skip
    # The same athlete fitctl acts as: the id stored in .fitcoach/dev-user.
    assert claims["sub"] == (tmp_path / "dev-user").read_text().strip() == default["userId"]
    assert default["userName"] == "dev"
    alice = await (await client.post("/auth/dev/token", json={"user": "Alice"})).json()
    assert alice["userId"] == dev_user_id("alice") != default["userId"]
    assert jwt.decode(alice["accessToken"], options={"verify_signature": False})["sub"] == alice["userId"]
    assert (await client.post("/auth/dev/token", json={"user": "x" * 65})).status == 400
    assert (await client.post("/auth/dev/token", data=b"not json")).status == 400


async def test_dev_token_of_an_operator_carries_the_operator_role(client_for: Any) -> None:
    client = await client_for(**DEV)
    operator = await (await client.post("/auth/dev/token", json={"user": "ops", "operator": True})).json()
    claims = jwt.decode(operator["accessToken"], options={"verify_signature": False})
    assert (claims["app_metadata"]["role"], claims["sub"], operator["operator"]) == (
        "operator",
        dev_user_id("ops"),
        True,
    )
    # Only a JSON true asks for it: the athlete's sign-in (no flag, or anything else) never gets the role.
    for body in ({"user": "ops"}, {"user": "ops", "operator": "true"}, {"user": "ops", "operator": 1}):
        athlete = await (await client.post("/auth/dev/token", json=body)).json()
        claims = jwt.decode(athlete["accessToken"], options={"verify_signature": False})
        assert "role" not in claims["app_metadata"] and athlete["operator"] is False


@pytest.mark.parametrize("mode", ["jwks", "hs256"])
async def test_dev_token_endpoint_does_not_exist_outside_dev_mode(client_for: Any, mode: str) -> None:
    client = await client_for(AUTH_MODE=mode, SUPABASE_URL=SUPABASE_URL, SUPABASE_JWT_SECRET=SECRET)
    response = await client.post("/auth/dev/token", json={"user": "mallory"})
    body = await response.text()
    assert response.status == 404
    assert "accessToken" not in body and "eyJ" not in body


def test_settings_refuse_dev_mode_without_secret_and_a_missing_build(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SUPABASE_JWT_SECRET"):
        load_settings(WebSettings, {"AUTH_MODE": "dev", "SUPABASE_URL": SUPABASE_URL})
    with pytest.raises(SettingsError, match="MAP_TILE_URL"):
        load_settings(WebSettings, {"MAP_TILE_URL": "tiles/{z}/{x}/{y}.png"})
    settings = load_settings(WebSettings, {"WEB_DIST_DIR": str(tmp_path / str(uuid.uuid4()))})
    with pytest.raises(DistMissing, match="make web"):
        create_app(settings)
