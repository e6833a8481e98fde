"""The operators' page in a real Chromium against the real stack: the dashboard's figures are GetPipelineStats',
a replay and a dead letter's re-drive followed live, the legacy migration run and reported, the storage cost;
and an athlete sees no Ops entry and is told so at its address."""

from __future__ import annotations

import uuid
from pathlib import Path

import grpc
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach_runtime.auth import dev_user_id
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.stack import Stack
from playwright.sync_api import Locator, Page, expect

from .conftest import Web, canvas_ink, new_name, upload_file, wait_final

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RUN = "run-fenix2-gps-hr.fit"
RIDE = "cycle-edge810-vector-power.fit"
BROKEN = "broken-truncated.fit"
# A replay or re-drive with retries (1 s, 3 s) before a dead letter: generous on a loaded machine.
RUN_TIMEOUT_MS = 90_000


def _stats(stack: Stack) -> ops_pb.GetPipelineStatsResponse:
    with grpc.insecure_channel(stack.gateway_address) as channel:
        return ops_grpc.OpsServiceStub(channel).GetPipelineStats(
            ops_pb.GetPipelineStatsRequest(),
            metadata=bearer(stack.token(str(uuid.uuid4()), operator=True)),
            timeout=30,
        )


def _count(run: Locator, name: str) -> int:
    return int(run.locator(f'[data-count="{name}"]').get_attribute("data-value") or "-1")


def _finished(page: Page, testid: str) -> Locator:
    run = page.get_by_test_id(testid)
    expect(run).to_have_attribute("data-outcome", "finished", timeout=RUN_TIMEOUT_MS)
    return run


def _record_outcomes(page: Page, testid: str) -> None:
    """Keep every outcome the run panel shows, as it happens (the live progress, not only its end)."""
    page.evaluate(
        """(testid) => {
            window.__outcomes = [];
            const record = () => {
                const run = document.querySelector(`[data-testid=${testid}]`);
                const seen = run && `${run.dataset.outcome}/${run.dataset.phase}`;
                if (seen && window.__outcomes[window.__outcomes.length - 1] !== seen) window.__outcomes.push(seen);
            };
            new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
        }""",
        testid,
    )


def test_the_dashboard_shows_the_pipelines_figures_with_charts(
    web: Web, stack: Stack, screenshots: Path
) -> None:
    athlete = new_name("measured")
    for fixture in (RUN, RIDE, BROKEN):
        upload_file(stack, web.token(athlete), fixture_path(fixture))
    page = web.signed_in(new_name("operator"), operator=True)
    page.get_by_role("link", name="Ops").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()

    expected = _stats(stack)
    page.get_by_role("button", name="Refresh").click()  # the figures as of now, not of the page's first call
    analyzed = next(s.count for s in expected.statuses if s.status == "analyzed")
    assert analyzed >= 2
    row = page.get_by_test_id("status-table").locator('tr[data-status="analyzed"]')
    expect(row).to_have_attribute("data-count", str(analyzed))
    expect(row).to_contain_text("analyzed")
    stored = page.get_by_test_id("ops-tiles").locator('[data-metric="storedObjects"]')
    expect(stored).to_have_attribute("data-value", str(expected.stored_objects))
    delay = page.get_by_test_id("delay-table").locator('tr[data-stage="analysisDelay"]')
    expect(delay).to_have_attribute("data-count", str(expected.analysis_delay.count))
    # Charts drawn from the figures: statuses, the delay distribution, and the queue as the page samples it.
    expect(page.get_by_test_id("chart-statuses")).to_have_attribute(
        "data-total", str(sum(s.count for s in expected.statuses))
    )
    # Every measured delay is in a bar (the empty buckets far from the data are left out).
    measured = sum(bucket.count for bucket in expected.analysis_delay_histogram)
    expect(page.get_by_test_id("chart-delay")).to_have_attribute("data-total", str(measured))
    assert measured >= 2
    # The queue is read at each refresh (every 10 s, and the button): a chart from the second reading on.
    expect(page.get_by_test_id("chart-queue")).to_be_visible(timeout=30_000)
    assert int(page.get_by_test_id("chart-queue").get_attribute("data-points") or 0) >= 2
    for chart in ("chart-statuses", "chart-delay"):
        assert canvas_ink(page, chart) > 200, f"{chart} drew nothing"
    expect(page.get_by_test_id("queue-figures")).to_contain_text(expected.queue.consumer)
    failed = next(s.count for s in expected.statuses if s.status == "failed")
    expect(page.get_by_test_id("status-table").locator('tr[data-status="failed"]')).to_have_attribute(
        "data-count", str(failed)
    )
    expect(page.get_by_test_id("failure-table")).to_contain_text("not a valid FIT file")
    page.screenshot(path=screenshots / "ops-dashboard-en.png", full_page=True)

    page.get_by_test_id("language-switch").select_option("ko")
    expect(page.get_by_role("heading", name="운영", exact=True)).to_be_visible()
    expect(page.get_by_test_id("status-table")).to_contain_text("분석 완료")


def test_replay_with_live_progress_then_a_dead_letter_re_driven(
    web: Web, stack: Stack, screenshots: Path
) -> None:
    athlete = new_name("replayed")
    activity_id = upload_file(stack, web.token(athlete), fixture_path(RUN))
    page = web.signed_in(new_name("operator"), "/ops/replay", operator=True)
    page.get_by_label("These activities (ids)").fill(activity_id)

    # A dry run counts: the activity matches, and this analyzer version already handled it.
    page.get_by_role("button", name="Count matches (dry run)").click()
    dry = _finished(page, "replay-run")
    expect(dry).to_contain_text("dry run: nothing changed")
    assert (_count(dry, "matched"), _count(dry, "skipped"), _count(dry, "done")) == (1, 1, 0)

    # Forced, the real replay asks first (saying what the dry run found) and then reprocesses it live.
    page.get_by_label("Force: reprocess even what this version already handled").check()
    page.get_by_role("button", name="Count matches (dry run)").click()
    expect(_finished(page, "replay-run").locator('[data-count="skipped"]')).to_have_attribute(
        "data-value", "0"
    )
    page.get_by_role("button", name="Replay…").click()
    expect(page.get_by_test_id("confirm-run")).to_contain_text("The dry run found 1 matching activities")
    _record_outcomes(page, "replay-run")
    page.get_by_role("button", name="Replay now").click()
    replayed = _finished(page, "replay-run")
    assert (_count(replayed, "matched"), _count(replayed, "done"), _count(replayed, "failed")) == (1, 1, 0)
    outcomes = page.evaluate("window.__outcomes")
    assert outcomes[0].startswith("running/") and outcomes[-1] == "finished/done", outcomes
    expect(replayed.locator("progress")).to_have_attribute("value", "1")
    page.screenshot(path=screenshots / "ops-replay-en.png", full_page=True)

    # The store loses the file: the forced replay retries, gives up and records a dead letter.
    key = f"users/{dev_user_id(athlete)}/activities/{activity_id}.fit"
    s3 = stack.s3_credentials.client()
    s3.delete_object(Bucket=stack.bucket, Key=key)
    page.get_by_role("button", name="Replay…").click()
    page.get_by_role("button", name="Replay now").click()
    gave_up = _finished(page, "replay-run")
    assert _count(gave_up, "failed") == 1
    expect(gave_up.get_by_test_id("run-failures")).to_contain_text("recorded as a dead letter")

    # The athlete's page says why it failed: FitCoach's infrastructure, not the file, and it comes back.
    athletes_page = web.signed_in(athlete, f"/activities/{activity_id}")
    expect(athletes_page.get_by_test_id("failure-reason")).to_have_attribute("data-kind", "gaveUp")
    expect(athletes_page.get_by_test_id("failure-kind")).to_contain_text("storage or database kept failing")

    page.get_by_role("link", name="Dead letters").click()
    letter = page.get_by_test_id("dead-letter-table").locator(f'tr[data-activity-id="{activity_id}"]')
    expect(letter).to_have_attribute("data-resolved", "false")
    expect(letter).to_contain_text("NoSuchKey")
    expect(page.get_by_test_id("dead-letter-count")).to_be_visible()  # the section's badge counts it

    # The store recovers: re-driving the dead letter analyzes the activity again, live, and resolves it.
    s3.put_object(Bucket=stack.bucket, Key=key, Body=fixture_path(RUN).read_bytes())
    letter.get_by_role("checkbox").check()
    page.get_by_role("button", name="Re-drive 1 selected").click()
    redriven = _finished(page, "redrive-run")
    assert (_count(redriven, "matched"), _count(redriven, "done"), _count(redriven, "failed")) == (1, 1, 0)
    expect(letter).to_have_count(0)  # resolved ones leave the list ...
    page.get_by_label("Show resolved ones too").check()
    expect(letter).to_have_attribute("data-resolved", "true")  # ... and are kept with their resolution
    expect(letter).to_contain_text("analyzed")
    assert wait_final(stack, web.token(athlete), activity_id).status == act_pb.ACTIVITY_STATUS_ANALYZED


def test_a_legacy_folder_is_migrated_from_the_page_and_reported(
    web: Web, stack: Stack, tmp_path: Path
) -> None:
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "ride.fit").write_bytes(fixture_path(RIDE).read_bytes())
    owner = str(uuid.uuid4())
    page = web.signed_in(new_name("operator"), "/ops/migrations", operator=True)
    page.get_by_label("Folder", exact=True).fill(str(folder))
    page.get_by_role("button", name="Check everything (dry run)").click()
    expect(page.get_by_role("alert")).to_contain_text("A folder's files need their owner's user id.")
    page.get_by_label("Owner of its files (user id)").fill(owner)
    page.get_by_role("button", name="Check everything (dry run)").click()
    dry = _finished(page, "migration-run")
    assert (_count(dry, "total"), _count(dry, "migrated"), _count(dry, "failed")) == (1, 1, 0)
    runs = page.get_by_test_id("migration-table").locator("tbody tr[data-run-id]")
    expect(runs.first).to_have_attribute("data-dry-run", "true")

    page.get_by_role("button", name="Migrate…").click()
    page.get_by_role("button", name="Migrate now").click()
    migrated = _finished(page, "migration-run")
    assert (_count(migrated, "migrated"), _count(migrated, "queued")) == (1, 1)
    expect(runs.first).to_have_attribute("data-dry-run", "false")
    expect(runs.first).to_have_attribute("data-state", "finished")
    expect(runs.first.locator('[data-count="migrated"]')).to_have_text("1")
    assert str(folder) in runs.first.inner_text()
    # Again: nothing to do, and the report says so.
    page.get_by_role("button", name="Migrate…").click()
    page.get_by_role("button", name="Migrate now").click()
    again = _finished(page, "migration-run")
    assert (_count(again, "migrated"), _count(again, "alreadyMigrated")) == (0, 1)


def test_the_storage_cost_reproduces_the_original_designs_projection(web: Web) -> None:
    page = web.signed_in(new_name("operator"), "/ops/cost", operator=True)
    projection = page.get_by_test_id("cost-projection")
    expect(projection).to_contain_text("US$0.75")  # 1,000 users: storage $0.75, about $1 a month in all
    total = float(projection.locator('tr[data-item="total"]').get_attribute("data-value") or "nan")
    assert total == pytest.approx(0.92, abs=0.005)
    expect(page.get_by_test_id("cost-prices")).to_contain_text("US$0.015 per GB-month")
    page.get_by_test_id("cost-users").fill("2000")
    expect(projection.locator('tr[data-item="storage"]')).to_contain_text("US$1.50")
    month_bill = page.get_by_test_id("cost-usage").locator('[data-metric="total"]')
    assert float(month_bill.get_attribute("data-value") or "-1") >= 0


def test_an_athlete_has_no_ops_entry_and_is_told_so_at_its_address(web: Web) -> None:
    page = web.signed_in(new_name("athlete"))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/fitness", "/profile"):
        page.goto(path)
        expect(page.locator("main h2").first).to_be_visible()
    expect(page.get_by_role("link", name="Fitness")).to_be_visible()
    expect(page.get_by_role("link", name="Ops")).to_have_count(0)
    # The operators' page is a chunk of its own (code, strings, styles): an athlete's pages never fetch it.
    assert requested and not [url for url in requested if "/assets/OpsPage-" in url]
    page.goto("/ops")
    expect(page.get_by_test_id("ops-forbidden")).to_contain_text("This page is for FitCoach's operators")
    expect(page.get_by_role("heading", name="Operators only")).to_be_visible()
    page.goto("/ops/dead-letters")  # every section: the same answer, no list, no buttons
    expect(page.get_by_test_id("ops-forbidden")).to_be_visible()
    expect(page.get_by_role("button", name="Re-drive all unresolved…")).to_have_count(0)
