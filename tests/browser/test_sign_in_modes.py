"""Outside dev mode the page offers Supabase sign-in (email + password, magic link) and dev sign-in does not
exist: the web server in AUTH_MODE=jwks, started as a process of its own, serving the same build."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fitcoach_stack.process import free_ports
from playwright.sync_api import expect

from .conftest import OPERATOR_CHECKBOX, Web

pytestmark = [pytest.mark.browser]


@pytest.fixture
def supabase_mode_web(tmp_path: Path) -> Iterator[str]:
    port = free_ports(1)[0]
    env = {
        **os.environ,
        "WEB_LISTEN": f"127.0.0.1:{port}",
        "AUTH_MODE": "jwks",
        "SUPABASE_URL": "http://127.0.0.1:9",  # never reached: nothing signs in during this test
        "SUPABASE_ANON_KEY": "public-anon-key",
        "SUPABASE_JWT_SECRET": "x" * 40,  # even when present, it must not enable dev sign-in
        "LOG_FORMAT": "console",
    }
    log = (tmp_path / "web.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "fitcoach_web"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_supabase_mode_offers_email_sign_in_and_no_dev_sign_in(web: Web, supabase_mode_web: str) -> None:
    token = httpx.post(f"{supabase_mode_web}/auth/dev/token", json={"user": "mallory"}, timeout=5)
    assert token.status_code == 404 and "accessToken" not in token.text
    page = web.page()
    page.goto(f"{supabase_mode_web}/activities/00000000-0000-4000-8000-000000000000")
    expect(page.get_by_role("heading", name="Sign in to FitCoach")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(
        page.get_by_role("button", name="Email me a sign-in link")
    ).to_be_disabled()  # until an email is typed
    page.get_by_label("Email").fill("athlete@example.com")
    expect(page.get_by_role("button", name="Email me a sign-in link")).to_be_enabled()
    expect(page.get_by_label("Dev user name")).to_have_count(0)
    expect(page.get_by_label(OPERATOR_CHECKBOX)).to_have_count(0)  # nor a way to mint oneself an operator
