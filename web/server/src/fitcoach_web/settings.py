"""What `python -m fitcoach_web` reads from the environment (once, at start)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fitcoach_runtime.settings import env_field

# web/server/src/fitcoach_web/settings.py → web/dist (the Vite build of a checkout; images set WEB_DIST_DIR).
CHECKOUT_DIST = Path(__file__).resolve().parents[3] / "dist"


@dataclass(frozen=True)
class WebSettings:
    listen: str = env_field("WEB_LISTEN", "0.0.0.0:8080")
    dist_dir: str = env_field("WEB_DIST_DIR", str(CHECKOUT_DIST))
    auth_mode: str = env_field("AUTH_MODE", "jwks")
    supabase_url: str = env_field("SUPABASE_URL", "")
    # The anon key is public by design (it goes to every browser); the JWT secret never does.
    supabase_anon_key: str = env_field("SUPABASE_ANON_KEY", "")
    jwt_secret: str = env_field("SUPABASE_JWT_SECRET", "", secret=True)
    dev_user_file: str = env_field("WEB_DEV_USER_FILE", ".fitcoach/dev-user")
    dev_token_ttl_s: int = env_field("WEB_DEV_TOKEN_TTL_S", 3600)
    map_tile_url: str = env_field("MAP_TILE_URL", "")
    map_tile_attribution: str = env_field("MAP_TILE_ATTRIBUTION", "")
    max_upload_bytes: int = env_field("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
    log_level: str = env_field("LOG_LEVEL", "INFO")
    log_format: str = env_field("LOG_FORMAT", "json")

    def __post_init__(self) -> None:
        if self.auth_mode not in ("jwks", "hs256", "dev"):
            raise ValueError(f"AUTH_MODE must be jwks, hs256 or dev, got {self.auth_mode!r}")
        if self.auth_mode == "dev" and (len(self.jwt_secret) < 32 or not self.supabase_url):
            raise ValueError("AUTH_MODE=dev needs SUPABASE_URL and SUPABASE_JWT_SECRET (32+ characters)")
        if self.map_tile_url and not self.map_tile_url.startswith(("https://", "http://")):
            raise ValueError(
                "MAP_TILE_URL must be an http(s) URL template like https://tile.example/{z}/{x}/{y}.png"
            )
        if not 60 <= self.dev_token_ttl_s <= 24 * 3600:
            raise ValueError("WEB_DEV_TOKEN_TTL_S must be between 60 and 86400")

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "0.0.0.0", int(port)
