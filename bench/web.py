"""The web app's two figures: the first page's initial JavaScript (gzip), and the time from opening the
detail page of the 100k-record stress file to its charts drawn, in Debian's Chromium.

    .venv/bin/python bench/web.py [--runs 5]

Needs the built app (`make web`, which `make bench` runs) and /usr/bin/chromium. Starts its own Stack (web
included) in a temporary folder, uploads ../shared/fixtures/fit/stress-bryton-100k-records-synthetic.fit as
the dev user, then opens its detail page `--runs` times, each in a fresh browser context (empty cache: the
page's code, the activity and the charts all load as on a first visit). The time is the page's own
`fitcoach:charts-drawn` performance mark, measured from the start of navigation. Goals: < 300 KB, < 1 s.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc
import httpx
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_runtime.auth import stored_user_id
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.fixtures import fixture_path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "web" / "dist"
STRESS = fixture_path("stress-bryton-100k-records-synthetic.fit")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


def initial_js_gzip_bytes() -> tuple[int, list[str]]:
    """gzip size of every script the first page loads before it runs: the entry and its modulepreloads."""
    html = (DIST / "index.html").read_text()
    scripts = re.findall(r'<script[^>]+src="([^"]+\.js)"', html) + re.findall(
        r'<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"', html
    )
    total = sum(len(gzip.compress((DIST / s.lstrip("/")).read_bytes(), 9)) for s in scripts)
    return total, scripts


def upload(address: str, token: str, path: Path) -> str:
    data = path.read_bytes()
    with grpc.insecure_channel(address) as channel:
        uploads, activities = up_grpc.UploadServiceStub(channel), act_grpc.ActivityServiceStub(channel)
        created = uploads.CreateUpload(
            up_pb.CreateUploadRequest(file_name=path.name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()),
            metadata=bearer(token), timeout=30,
        )  # fmt: skip
        if not created.duplicate:
            httpx.put(created.upload_url, content=data, headers=dict(created.upload_headers), timeout=60)
            uploads.CompleteUpload(
                up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(token)
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            activity = activities.GetActivity(
                act_pb.GetActivityRequest(activity_id=created.activity_id), metadata=bearer(token)
            ).activity
            if activity.status == act_pb.ACTIVITY_STATUS_ANALYZED:
                return str(created.activity_id)
            time.sleep(0.2)
    raise SystemExit("the stress file was not analyzed in time")


DRAWN = "performance.getEntriesByName('fitcoach:charts-drawn')"


def charts_drawn_ms(base_url: str, activity_id: str, runs: int) -> tuple[list[float], list[float]]:
    """(cold: the detail page's address opened in a new browser context, in-app: a click from the list)."""
    from playwright.sync_api import sync_playwright

    cold, in_app = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs + 1):  # the first run warms the services' caches and is not counted
            context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"/activities/{activity_id}")
            page.wait_for_function(f"{DRAWN}.length > 0", timeout=60_000)
            cold.append(page.evaluate(f"{DRAWN}[0].startTime"))
            page.goto("/")
            link = page.locator(f'a[href="/activities/{activity_id}"]')
            link.wait_for()
            clicked = page.evaluate("performance.now()")
            link.click()
            page.wait_for_function(f"{DRAWN}.length > 0", timeout=60_000)
            in_app.append(page.evaluate(f"{DRAWN}[0].startTime") - clicked)
            context.close()
        browser.close()
    return cold[1:], in_app[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args, _ = parser.parse_known_args()
    if not (DIST / "index.html").exists():
        print("web/dist is missing: run `make web`", file=sys.stderr)
        return 1
    size, scripts = initial_js_gzip_bytes()
    print(f"first page initial JavaScript: {size / 1024:.1f} KB gzip ({len(scripts)} file(s)); goal < 300 KB")

    from fitcoach_stack.stack import Stack

    with tempfile.TemporaryDirectory() as tmp, Stack(Path(tmp), env={}, web=True, durable=False) as stack:
        token = stack.token(stored_user_id(stack.dev_user_file))  # the user the page opens signed in as
        started = time.monotonic()
        activity_id = upload(stack.gateway_address, token, STRESS)
        print(f"stress file uploaded and analyzed in {time.monotonic() - started:.1f} s")
        cold, in_app = charts_drawn_ms(stack.gateway_url, activity_id, args.runs)
    for what, times in (("opened by its address, cold", cold), ("opened from the list", in_app)):
        print(
            f"detail page of the 100k-record file, {what} → charts drawn: median {statistics.median(times):.0f} ms "
            f"(min {min(times):.0f}, max {max(times):.0f}, {len(times)} runs); goal < 1000 ms"
        )
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
