"""Wiring only: settings → app → serve until SIGTERM/SIGINT (aiohttp's own graceful shutdown)."""

from __future__ import annotations

import sys

from aiohttp import web
from fitcoach_runtime.logging import configure_logging
from fitcoach_runtime.settings import SettingsError, load_settings

from fitcoach_web.app import DistMissing, create_app
from fitcoach_web.settings import WebSettings


def run() -> None:
    try:
        settings = load_settings(WebSettings)
        app = create_app(settings)
    except (SettingsError, DistMissing) as exc:
        print(f"fitcoach-web: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("web", settings.log_level, settings.log_format)
    host, port = settings.host_port
    web.run_app(app, host=host, port=port, access_log=None, print=None, shutdown_timeout=5)
