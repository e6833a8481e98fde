"""The athlete's web app in a real Chromium against the real stack: sign-in, uploads with live status,
list, detail (numbers, charts, route), languages, privacy between users, delete, download, phone width."""

from __future__ import annotations

import re
from pathlib import Path

import grpc
import httpx
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach_runtime.auth import dev_user_id
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.stack import Stack
from playwright.sync_api import Page, expect

from .conftest import Web, canvas_ink, drop_files, get_activity, new_name, upload_file

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RUN = "run-fenix2-gps-hr.fit"
INDOOR_RIDE = "cycle-indoor-trainer-edge800.fit"
BROKEN = "broken-truncated.fit"
RIDE_WITH_POWER = "cycle-edge810-vector-power.fit"
DIVE = "dive-descent-mk2-multigas.fit"
YOGA = "yoga-venu3.fit"


def _text_of_metric(page: Page, field: str) -> tuple[str, float]:
    stat = page.get_by_test_id("summary").locator(f'[data-metric="{field}"]')
    return stat.locator(".stat-value").inner_text(), float(stat.get_attribute("data-value") or "nan")


def test_the_page_opens_signed_in_as_the_dev_user_and_switches_by_name(web: Web, stack: Stack) -> None:
    page = web.page()
    page.goto("/")
    expect(page.get_by_test_id("signed-in-user")).to_have_text("dev")
    # The same athlete fitctl uses: the page's token is for the id in the stack's dev-user file.
    session = page.evaluate("JSON.parse(sessionStorage.getItem('fitcoach.devSession'))")
    assert session["userId"] == stack.dev_user_file.read_text().strip()
    # The signing secret never reaches the browser: not in the config, not in any script it loaded.
    assert stack.jwt_secret not in page.evaluate("fetch('/config.json').then(r => r.text())")
    for src in page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)"):
        assert stack.jwt_secret not in httpx.get(src).text
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Dev user name")).to_be_visible()
    page.reload()  # signed out stays signed out in this tab
    expect(page.get_by_label("Dev user name")).to_be_visible()
    name = new_name("someone")
    page.get_by_label("Dev user name").fill(name)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(name)
    assert page.evaluate("JSON.parse(sessionStorage.getItem('fitcoach.devSession')).userId") == dev_user_id(
        name
    )
    expect(page.get_by_role("heading", name="No activities yet")).to_be_visible()


def test_drop_three_files_see_progress_and_live_status_then_a_duplicate(web: Web, stack: Stack) -> None:
    name = new_name("dropper")
    page = web.signed_in(name)
    # Record every phase and byte count each row shows, as it happens (no reload: the marker survives).
    page.evaluate(
        """() => {
            window.__marker = "same page";
            window.__phases = {};
            window.__loaded = {};
            const record = () => document.querySelectorAll('[data-testid=upload-row]').forEach((row) => {
                const phases = (window.__phases[row.dataset.file] ||= []);
                if (phases[phases.length - 1] !== row.dataset.phase) phases.push(row.dataset.phase);
                if (row.dataset.phase === "uploading") (window.__loaded[row.dataset.file] ||= []).push(Number(row.dataset.loaded));
            });
            new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
        }"""
    )
    drop_files(page, [fixture_path(RUN), fixture_path(INDOOR_RIDE), fixture_path(BROKEN)])
    rows = page.get_by_test_id("upload-row")
    expect(rows).to_have_count(3)
    for file_name, final in ((RUN, "adviceReady"), (INDOOR_RIDE, "adviceReady"), (BROKEN, "failed")):
        expect(page.locator(f'[data-testid=upload-row][data-file="{file_name}"]')).to_have_attribute(
            "data-phase", final, timeout=90_000
        )
    phases = page.evaluate("window.__phases")
    loaded = page.evaluate("window.__loaded")
    assert page.evaluate("window.__marker") == "same page"
    for file_name in (RUN, INDOOR_RIDE, BROKEN):
        seen = phases[file_name]
        # Hashed, uploaded with progress, then followed live to its final state.
        assert seen[:2] == ["hashing", "creating"] and "uploading" in seen and "queued" in seen, seen
        assert seen.index("uploading") < seen.index("queued") < len(seen) - 1, seen
        assert max(loaded.get(file_name, [0])) > 0 or "completing" in seen, (file_name, loaded)
    broken = page.locator(f'[data-testid=upload-row][data-file="{BROKEN}"]')
    expect(broken.get_by_test_id("reason")).to_contain_text("not a valid FIT file")

    run_id = page.locator(f'[data-testid=upload-row][data-file="{RUN}"]').get_attribute("data-activity-id")
    token = web.token(name)
    assert get_activity(stack, token, run_id or "").status == act_pb.ACTIVITY_STATUS_ANALYZED
    # The list shows them without a reload, newest first.
    expect(page.get_by_test_id("activity-table").locator("tbody tr")).to_have_count(3)

    # The same bytes again: "already uploaded", linking to the existing activity, nothing sent.
    page.get_by_role("button", name="Clear finished").click()
    drop_files(page, [fixture_path(RUN)])
    duplicate = page.locator(f'[data-testid=upload-row][data-file="{RUN}"]')
    expect(duplicate).to_have_attribute("data-phase", "duplicate")
    expect(duplicate.get_by_role("link", name="Already uploaded: open it")).to_have_attribute(
        "href", f"/activities/{run_id}"
    )


def test_non_fit_and_too_large_files_are_refused_before_sending(web: Web, tmp_path: Path) -> None:
    page = web.signed_in(new_name("refused"))
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    fake = tmp_path / "fake.fit"
    fake.write_bytes(b"this is not a fit file at all")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "CreateUpload" in r.url or r.method == "PUT" else None)
    drop_files(page, [notes, fake])
    expect(page.locator('[data-file="notes.txt"]')).to_have_attribute("data-phase", "rejected")
    expect(page.locator('[data-file="notes.txt"]')).to_contain_text("Not a FIT file")
    expect(page.locator('[data-file="fake.fit"]')).to_have_attribute("data-phase", "rejected")
    limit = page.evaluate("fetch('/config.json').then(r => r.json()).then(c => c.maxUploadBytes)")
    page.evaluate(
        """(size) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(size + 1)], "huge.fit"));
            const zone = document.querySelector('[data-testid=dropzone]');
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
        limit,
    )
    expect(page.locator('[data-file="huge.fit"]')).to_contain_text("Too large")
    assert sent == []


def test_detail_page_shows_the_numbers_of_get_activity_with_charts_and_route(web: Web, stack: Stack) -> None:
    name = new_name("runner")
    token = web.token(name)
    run_id = upload_file(stack, token, fixture_path(RUN))
    ride_id = upload_file(stack, token, fixture_path(INDOOR_RIDE))
    computed = get_activity(stack, token, run_id).sessions[0].computed

    page = web.signed_in(name, f"/activities/{run_id}")
    expect(page.get_by_role("heading", name=RUN)).to_be_visible()
    distance_text, distance = _text_of_metric(page, "distanceM")
    assert (
        distance == pytest.approx(computed.distance_m)
        and distance_text == f"{computed.distance_m / 1000:.2f} km"
    )
    moving_text, moving = _text_of_metric(page, "movingTimeS")
    minutes, seconds = divmod(round(computed.moving_time_s), 60)
    assert moving == pytest.approx(computed.moving_time_s) and moving_text == f"{minutes}:{seconds:02d}"
    page.locator("#heart").scroll_into_view_if_needed()
    hr = page.locator('#heart [data-metric="avgHrBpm"]')
    assert float(hr.get_attribute("data-value") or "nan") == pytest.approx(computed.avg_hr_bpm)
    expect(hr.locator(".stat-value")).to_have_text(f"{round(computed.avg_hr_bpm)} bpm")
    for chart in ("chart-hr", "chart-pace", "chart-elevation"):
        expect(page.get_by_test_id(chart)).to_be_visible()
        assert int(page.get_by_test_id(chart).get_attribute("data-points") or 0) > 100
        assert canvas_ink(page, chart) > 500, f"{chart} drew nothing"
    route = page.get_by_test_id("route-map").locator("path.leaflet-interactive").first
    expect(route).to_be_attached()
    assert len(route.get_attribute("d") or "") > 200
    # "More": the second definition of metrics that have two, each labelled (moving pace, filtered climbing).
    more = page.get_by_test_id("more")
    for label in ("Moving pace / speed", "Best pace / speed (GPS spikes removed)", "Average cadence without zeros",
                  "Average cadence with zeros", "Ascent (3 m band)", "Descent (3 m band)"):  # fmt: skip
        expect(more).to_contain_text(label)
    moving = more.locator('[data-metric="movingSpeedMps"]')
    assert float(moving.get_attribute("data-value") or "nan") == pytest.approx(computed.moving_speed_mps)
    assert "movingSpeedMps" not in more.inner_text()  # no field shown under its proto name
    expect(page.get_by_test_id("laps-table")).to_be_visible()
    expect(page.get_by_test_id("splits-table")).to_be_visible()
    expect(page.get_by_test_id("zones-hr")).to_be_visible()
    expect(page.get_by_test_id("advice-engine")).to_contain_text("offline coach")
    # Zoom on one chart zooms them all (one shared x scale).
    box = page.get_by_test_id("chart-hr").locator(".u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    ticks = [
        page.get_by_test_id(c).locator(".u-axis").first.inner_text() for c in ("chart-hr", "chart-elevation")
    ]
    assert ticks[0] == ticks[1] and "0:00" not in ticks[0]

    page.goto(f"/activities/{ride_id}")
    expect(page.get_by_role("heading", name=INDOOR_RIDE)).to_be_visible()
    expect(page.get_by_test_id("chart-hr")).to_be_visible()
    assert canvas_ink(page, "chart-hr") > 500
    expect(page.get_by_test_id("route-map")).to_have_count(0)  # indoor: no GPS, no map


def test_korean_and_english_and_screenshots_of_list_and_detail(
    web: Web, stack: Stack, screenshots: Path
) -> None:
    name = new_name("athlete")
    token = web.token(name)
    run_id = upload_file(stack, token, fixture_path(RUN))
    upload_file(stack, token, fixture_path(INDOOR_RIDE))
    upload_file(stack, token, fixture_path("cycle-edge810-vector-power.fit"))
    page = web.signed_in(name)
    expect(page.get_by_test_id("activity-table").locator("tbody tr")).to_have_count(3)
    page.screenshot(path=screenshots / "list-en.png", full_page=True)

    page.get_by_test_id("language-switch").select_option("ko")
    expect(page.get_by_role("link", name="활동", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="업로드")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "ko"
    expect(page.get_by_test_id("activity-table")).to_contain_text("달리기")
    page.screenshot(path=screenshots / "list-ko.png", full_page=True)

    page.goto(f"/activities/{run_id}")  # the choice is kept (profile + this browser)
    expect(page.get_by_role("heading", name="요약")).to_be_visible()
    expect(page.get_by_test_id("chart-hr")).to_be_visible()
    expect(page.get_by_role("button", name="원본 다운로드")).to_be_visible()
    page.screenshot(path=screenshots / "detail-ko.png", full_page=True)
    with grpc.insecure_channel(stack.gateway_address) as channel:
        profile = (
            act_grpc.ActivityServiceStub(channel)
            .GetAthleteProfile(act_pb.GetAthleteProfileRequest(), metadata=bearer(token), timeout=10)
            .profile
        )
    assert profile.language == "ko"  # advice follows the page's language

    page.get_by_test_id("language-switch").select_option("en")
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    page.screenshot(path=screenshots / "detail-en.png", full_page=True)
    for path in ("/fitness", "/profile"):  # every page renders in both languages without console errors
        page.goto(path)
        expect(page.locator("main h2").first).to_be_visible()
    page.goto("/fitness")
    expect(page.get_by_role("heading", name="No training load in this range yet.")).to_be_visible()
    page.get_by_label("Ending on").fill("2015-08-31")  # the run's month
    expect(page.get_by_test_id("fitness-chart")).to_be_visible()
    assert float(page.get_by_test_id("ctl").inner_text()) > 0


def test_another_user_opening_my_activity_gets_not_found(web: Web, stack: Stack) -> None:
    owner = new_name("owner")
    activity_id = upload_file(stack, web.token(owner), fixture_path(RUN))
    page = web.signed_in(new_name("intruder"), f"/activities/{activity_id}")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("not-found")).to_contain_text("Not found")
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)


def test_download_gives_the_original_bytes_and_delete_removes_everything(web: Web, stack: Stack) -> None:
    name = new_name("owner")
    token = web.token(name)
    original = fixture_path(RUN).read_bytes()
    activity_id = upload_file(stack, token, fixture_path(RUN))
    page = web.signed_in(name, f"/activities/{activity_id}")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download original").click()
    download = download_info.value
    assert download.suggested_filename == RUN
    assert Path(download.path()).read_bytes() == original

    with grpc.insecure_channel(stack.gateway_address) as channel:
        trend = act_grpc.ActivityServiceStub(channel).GetFitnessTrend(
            act_pb.GetFitnessTrendRequest(start_date="2015-08-10", end_date="2015-08-20"),
            metadata=bearer(token),
            timeout=10,
        )
    assert sum(day.load for day in trend.days) > 0  # the run counts ...

    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_test_id("deleted-banner")).to_contain_text(RUN)
    assert page.url.rstrip("/") == web.url
    expect(page.get_by_role("heading", name="No activities yet")).to_be_visible()
    with grpc.insecure_channel(stack.gateway_address) as channel:
        stub = act_grpc.ActivityServiceStub(channel)
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetActivity(
                act_pb.GetActivityRequest(activity_id=activity_id), metadata=bearer(token), timeout=10
            )
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        trend = stub.GetFitnessTrend(
            act_pb.GetFitnessTrendRequest(start_date="2015-08-10", end_date="2015-08-20"),
            metadata=bearer(token),
            timeout=10,
        )
    assert sum(day.load for day in trend.days) == 0  # ... and after the delete it no longer does
    # Opening its old address now says not found.
    page.goto(f"/activities/{activity_id}")
    expect(page.get_by_test_id("not-found")).to_be_visible()


def test_phone_width_has_no_sideways_scrolling(web: Web, stack: Stack, screenshots: Path) -> None:
    name = new_name("phone")
    activity_id = upload_file(stack, web.token(name), fixture_path(RUN))
    page = web.signed_in(name, width=390, height=844)
    for path in ("/", f"/activities/{activity_id}", "/fitness", "/profile"):
        page.goto(path)
        expect(page.locator("main h2, main h1").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
    page.goto("/")
    # One card per activity instead of a wide table, each value labelled.
    expect(page.get_by_test_id("activity-table").locator("thead")).to_be_hidden()
    cell = page.get_by_test_id("activity-table").locator("tbody tr td").nth(3)
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Distance"'
    page.screenshot(path=screenshots / "list-phone-en.png")


def test_expired_session_goes_back_to_sign_in_and_returns_to_the_same_page(web: Web, stack: Stack) -> None:
    # The gateway's edge check refuses the stale token with HTTP 401, which Chromium logs by itself.
    web.allowed_errors.append("status of 401")
    name = new_name("sleepy")
    activity_id = upload_file(stack, web.token(name), fixture_path(RUN))
    page = web.signed_in(name, f"/activities/{activity_id}")
    expect(page.get_by_role("heading", name=RUN)).to_be_visible()
    # The server stops accepting the token (it expired, or the key rotated): the next call is refused.
    page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem('fitcoach.devSession'));
            s.accessToken = s.accessToken.slice(0, -4) + "AAAA";
            sessionStorage.setItem('fitcoach.devSession', JSON.stringify(s));
        }"""
    )
    page.reload()
    expect(page.get_by_text("Your session expired")).to_be_visible()
    assert page.url.endswith(f"/activities/{activity_id}")
    expect(page.get_by_label("Dev user name")).to_have_value(name)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=RUN)).to_be_visible()


def test_gateway_unreachable_shows_a_clear_state_and_recovers(web: Web) -> None:
    web.allowed_errors.append("Failed to load resource")  # the aborted requests themselves
    page = web.signed_in(new_name("offline"))
    page.route(re.compile(r".*/fitcoach\.activity\.v1\.ActivityService/.*"), lambda route: route.abort())
    page.get_by_role("link", name="Fitness").click()
    expect(page.get_by_test_id("offline-banner")).to_be_visible()
    expect(page.get_by_text("Can't reach FitCoach").first).to_be_visible()
    page.unroute(re.compile(r".*/fitcoach\.activity\.v1\.ActivityService/.*"))
    page.get_by_test_id("offline-banner").get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("offline-banner")).to_have_count(0)
    expect(page.locator("#fitness-title")).to_be_visible()


def test_profile_saves_thresholds_units_and_rejects_nonsense(web: Web, stack: Stack) -> None:
    name = new_name("profiled")
    page = web.signed_in(name, "/profile")
    page.get_by_label("Max heart rate").fill("188")
    page.get_by_label("Weight").fill("61.5")
    page.get_by_label("Units").select_option(label="Imperial (mi, ft)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    with grpc.insecure_channel(stack.gateway_address) as channel:
        profile = (
            act_grpc.ActivityServiceStub(channel)
            .GetAthleteProfile(
                act_pb.GetAthleteProfileRequest(), metadata=bearer(web.token(name)), timeout=10
            )
            .profile
        )
    assert profile.max_hr_bpm == 188 and profile.weight_kg == 61.5
    assert profile.units == act_pb.UNIT_SYSTEM_IMPERIAL
    page.get_by_label("Max heart rate").fill("1900")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("max_hr_bpm must be between")


def test_dives_yoga_power_and_broken_files_read_sensibly(web: Web, stack: Stack) -> None:
    name = new_name("varied")
    token = web.token(name)
    ids = {
        fixture: upload_file(stack, token, fixture_path(fixture))
        for fixture in (RIDE_WITH_POWER, DIVE, YOGA, BROKEN)
    }
    page = web.signed_in(name, f"/activities/{ids[RIDE_WITH_POWER]}")
    computed = get_activity(stack, token, ids[RIDE_WITH_POWER]).sessions[0].computed
    power = page.get_by_test_id("more").locator('[data-metric="avgPowerNonzeroW"]')
    expect(power).to_contain_text("Average power without zeros")
    assert float(power.get_attribute("data-value") or "nan") == pytest.approx(computed.avg_power_nonzero_w)
    page.get_by_test_id("language-switch").select_option("ko")
    expect(power).to_contain_text("0을 뺀 평균 파워")
    page.get_by_test_id("language-switch").select_option("en")

    # A scuba dive: depth figures, no distance or pace shown empty, only charts that draw something.
    page.goto(f"/activities/{ids[DIVE]}")
    summary = page.get_by_test_id("summary")
    expect(summary.locator('[data-metric="maxDepthM"]')).to_contain_text("m")
    expect(summary.locator('[data-metric="diveCount"] .stat-value')).to_have_text("1")
    expect(summary.locator('[data-metric="distanceM"]')).to_have_count(0)  # 0 m: a dive goes nowhere
    expect(page.get_by_test_id("chart-hr")).to_be_visible()
    for chart in page.locator("[data-testid^=chart-]").all():
        assert int(chart.get_attribute("data-points") or 0) > 1
    # Yoga: heart rate only; no route, no empty laps or "More" card.
    page.goto(f"/activities/{ids[YOGA]}")
    expect(page.get_by_test_id("chart-hr")).to_be_visible()
    expect(page.get_by_test_id("chart-pace")).to_have_count(0)
    expect(page.locator("#laps")).to_have_count(0)
    expect(page.locator("#more")).to_have_count(0)
    expect(page.get_by_test_id("route-map")).to_have_count(0)
    for activity_id in (ids[DIVE], ids[YOGA]):
        page.goto(f"/activities/{activity_id}")
        expect(page.get_by_test_id("summary")).to_be_visible()
        assert "NaN" not in page.locator("main").inner_text()
    # A broken file: why, and whose fault (the file's: sending it again will not help).
    page.goto(f"/activities/{ids[BROKEN]}")
    expect(page.get_by_test_id("failure-reason")).to_have_attribute("data-kind", "badFile")
    expect(page.get_by_test_id("failure-kind")).to_contain_text("uploading it again will not help")
