"""The aiohttp application: the built app, its runtime config, and dev sign-in (AUTH_MODE=dev only).

Envoy routes the gRPC-web paths to the services and everything else here, so the page and its API share one
origin (no CORS for the app itself). Hashed build assets are cached forever; index.html and /config.json never,
so a new build or new settings reach the next page load.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from fitcoach_runtime.auth import dev_user_id, mint_dev_token, stored_user_id
from fitcoach_runtime.settings import supabase_issuer

from fitcoach_web.settings import WebSettings

log = logging.getLogger(__name__)

ASSETS_PREFIX = "/assets/"
DEV_TOKEN_PATH = "/auth/dev/token"
DEFAULT_DEV_USER_NAME = "dev"
MAX_BODY_BYTES = 4096
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
SETTINGS_KEY = web.AppKey("settings", WebSettings)
DIST_KEY = web.AppKey("dist", Path)


class DistMissing(RuntimeError):
    """web/dist has no index.html: the app was not built."""


def public_config(settings: WebSettings) -> dict[str, Any]:
    """What the browser learns at run time. Never a secret: the anon key is public by Supabase's design."""
    if settings.auth_mode == "dev":
        auth: dict[str, Any] = {"mode": "dev"}
    elif settings.supabase_url and settings.supabase_anon_key:
        auth = {
            "mode": "supabase",
            "supabaseUrl": settings.supabase_url,
            "anonKey": settings.supabase_anon_key,
        }
    else:
        auth = {"mode": "unconfigured"}
    return {
        "auth": auth,
        "map": {"tileUrl": settings.map_tile_url, "attribution": settings.map_tile_attribution},
        "maxUploadBytes": settings.max_upload_bytes,
    }


def _file_response(path: Path, *, immutable: bool) -> web.FileResponse:
    headers = dict(SECURITY_HEADERS)
    headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
    content_type, _ = mimetypes.guess_type(path.name)
    if content_type:
        headers["Content-Type"] = content_type
    return web.FileResponse(path, headers=headers)


def _inside(dist: Path, relative: str) -> Path | None:
    candidate = (dist / relative.lstrip("/")).resolve()
    if candidate.is_relative_to(dist) and candidate.is_file():
        return candidate
    return None


async def serve_static(request: web.Request) -> web.StreamResponse:
    """A file of the build, or index.html for the app's own routes (/activities/<id>, /fitness, ...)."""
    if request.method not in ("GET", "HEAD"):
        raise web.HTTPNotFound()
    dist = request.app[DIST_KEY]
    path = request.path
    found = _inside(dist, path) if path != "/" else None
    if found is not None:
        return _file_response(found, immutable=path.startswith(ASSETS_PREFIX))
    # A missing asset is a 404 (a stale page asking for an old chunk must fail loudly, not get HTML).
    if path.startswith(ASSETS_PREFIX) or Path(path).suffix:
        raise web.HTTPNotFound()
    return _file_response(dist / "index.html", immutable=False)


async def serve_config(request: web.Request) -> web.Response:
    return web.json_response(
        public_config(request.app[SETTINGS_KEY]), headers={**SECURITY_HEADERS, "Cache-Control": "no-store"}
    )


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok", headers={"Cache-Control": "no-store"})


async def issue_dev_token(request: web.Request) -> web.Response:
    """A dev token for a user chosen by name; empty = the machine's dev user (the one fitctl uses). With
    `"operator": true` the token carries the operator role (app_metadata.role), as `fitctl token --operator`.

    Registered only when AUTH_MODE=dev: the secret stays in this process, the browser gets tokens."""
    settings = request.app[SETTINGS_KEY]
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    try:
        body = json.loads(await request.content.read(MAX_BODY_BYTES) or b"{}")
        name = str(body.get("user") or "").strip() if isinstance(body, dict) else ""
        operator = isinstance(body, dict) and body.get("operator") is True
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='expected JSON like {"user": "alice"}') from None
    try:
        if name and name.lower() != DEFAULT_DEV_USER_NAME:
            user_id = dev_user_id(name)
        else:
            name, user_id = DEFAULT_DEV_USER_NAME, stored_user_id(Path(settings.dev_user_file))
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    issuer = supabase_issuer(settings.supabase_url)
    token = mint_dev_token(
        settings.jwt_secret,
        issuer=issuer,
        user_id=user_id,
        ttl_s=settings.dev_token_ttl_s,
        operator=operator,
    )
    return web.json_response(
        {
            "accessToken": token,
            "expiresAt": int(time.time()) + settings.dev_token_ttl_s,
            "userId": user_id,
            "userName": name,
            "operator": operator,
        },
        headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


def create_app(settings: WebSettings) -> web.Application:
    dist = Path(settings.dist_dir).resolve()
    if not (dist / "index.html").is_file():
        raise DistMissing(f"{dist}/index.html is missing: build the web app first (`make web`)")
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings
    app[DIST_KEY] = dist
    app.router.add_get("/healthz", health)
    app.router.add_get("/config.json", serve_config)
    if settings.auth_mode == "dev":
        app.router.add_post(DEV_TOKEN_PATH, issue_dev_token)
    app.router.add_route("*", "/{tail:.*}", serve_static)
    return app
