"""Browser tests: Debian's Chromium driven by Playwright against the session's real stack (tests/conftest.py:
every service, the web app behind Envoy). One browser for the session, a fresh context (cookies, storage)
per page, and every page checked for console errors when the test ends."""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_runtime.auth import dev_user_id
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.stack import Stack
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip
INSTALL_HINT = (
    "the browser tests need Debian's Chromium and CJK fonts: apt-get install -y chromium fonts-noto-cjk "
    "(as root; .ci/run does it when they are missing)"
)
# Generous for a loaded 2-core machine shared with other test runs; a healthy stack answers in well under 1 s.
UI_TIMEOUT_MS = 30_000
OPERATOR_CHECKBOX = "Sign in as an operator (the Ops page)"
FINAL_TIMEOUT_S = 90


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT, pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Web:
    """Pages on the running stack, signed in as named dev users; collects every console error."""

    stack: Stack
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    allowed_errors: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    def page(self, *, locale: str = "en-GB", width: int = 1280, height: int = 900) -> Page:
        context = self.browser.new_context(
            base_url=self.url,
            locale=locale,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not any(a in message.text for a in self.allowed_errors):
            self.console_errors.append(f"{message.type}: {message.text}")

    def signed_in(self, name: str, path: str = "/", *, operator: bool = False, **kwargs: object) -> Page:
        """A page signed in as the dev user `name` (through the sign-in form, as a person would), with the
        operator role when `operator` (the form's dev-only checkbox)."""
        page = self.page(**kwargs)  # type: ignore[arg-type]
        page.goto("/")
        page.get_by_test_id("signed-in-user").wait_for()  # opens signed in as the machine's dev user
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Dev user name").fill(name)
        page.get_by_label(OPERATOR_CHECKBOX).set_checked(operator)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_test_id("signed-in-user").filter(has_text=name.lower()).wait_for()
        if path != "/":
            page.goto(path)
        return page

    def token(self, name: str) -> str:
        return self.stack.token(dev_user_id(name))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: a temporary folder, so `make test` leaves the tree
    clean, or the README's `docs/screenshots` when FITCOACH_SCREENSHOTS names it (`make screenshots`)."""
    folder = os.environ.get("FITCOACH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def web(stack: Stack, browser: Browser) -> Iterator[Web]:
    session = Web(stack, browser)
    yield session
    session.close()
    assert session.console_errors == [], "console errors:\n" + "\n".join(session.console_errors)


def canvas_ink(page: Page, testid: str) -> int:
    """How many pixels of a chart's plot canvas are drawn (not transparent)."""
    return int(
        page.get_by_test_id(testid)
        .locator("canvas")
        .first.evaluate(
            """(canvas) => {
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let ink = 0;
                for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
                return ink;
            }"""
        )
    )


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------- the same files uploaded without a browser


def upload_file(stack: Stack, token: str, path: Path) -> str:
    """CreateUpload → PUT → CompleteUpload over native gRPC, then wait for the final state; the activity id."""
    data = path.read_bytes()
    with grpc.insecure_channel(stack.gateway_address) as channel:
        uploads = up_grpc.UploadServiceStub(channel)
        created = uploads.CreateUpload(
            up_pb.CreateUploadRequest(
                file_name=path.name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
            ),
            metadata=bearer(token),
            timeout=10,
        )
        if not created.duplicate:
            put = httpx.put(
                created.upload_url, content=data, headers=dict(created.upload_headers), timeout=30
            )
            assert put.status_code == 200, put.text
            uploads.CompleteUpload(
                up_pb.CompleteUploadRequest(activity_id=created.activity_id),
                metadata=bearer(token),
                timeout=10,
            )
        wait_final(stack, token, created.activity_id)
        return str(created.activity_id)


def get_activity(stack: Stack, token: str, activity_id: str) -> act_pb.Activity:
    with grpc.insecure_channel(stack.gateway_address) as channel:
        reply = act_grpc.ActivityServiceStub(channel).GetActivity(
            act_pb.GetActivityRequest(activity_id=activity_id), metadata=bearer(token), timeout=10
        )
    return reply.activity


def wait_final(stack: Stack, token: str, activity_id: str) -> act_pb.Activity:
    deadline = time.monotonic() + FINAL_TIMEOUT_S
    while time.monotonic() < deadline:
        activity = get_activity(stack, token, activity_id)
        if activity.status in (act_pb.ACTIVITY_STATUS_FAILED, act_pb.ACTIVITY_STATUS_DUPLICATE) or (
            activity.status == act_pb.ACTIVITY_STATUS_ANALYZED
            and activity.advice_status in (act_pb.ADVICE_STATUS_READY, act_pb.ADVICE_STATUS_FAILED)
        ):
            return activity
        time.sleep(0.2)
    raise AssertionError(f"{activity_id} reached no final state")


def drop_files(page: Page, paths: list[Path]) -> None:
    """What a drag-and-drop from the desktop delivers: a drop event whose DataTransfer holds the files."""
    files = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode()} for p in paths]
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, { type: "application/octet-stream" }));
            }
            return dt;
        }""",
        files,
    )
    page.get_by_test_id("dropzone").dispatch_event("dragover", {"dataTransfer": transfer})
    page.get_by_test_id("dropzone").dispatch_event("drop", {"dataTransfer": transfer})
