"""The operators' surface end to end, through the Envoy gateway with every real server running: each
OpsService RPC refused to athletes (native gRPC and gRPC-web), each one answering an operator over buf curl
(the README's lines), `fitctl admin ...` with the dev operator token, and the dashboard's figures scraped
from the services' /metrics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import grpc
import pytest
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.stack import Stack
from support import grpc_web
from support.buf import BUF, buf_curl

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
OPS = ops_pb.DESCRIPTOR.services_by_name["OpsService"]
METHODS = [m.name for m in OPS.methods]
BUF_TIMEOUT_S = 120


def _request(method_name: str) -> object:
    return getattr(ops_pb, OPS.methods_by_name[method_name].input_type.name)()


def _buf_messages(stack: Stack, token: str, method: str, body: dict[str, object]) -> list[dict[str, object]]:
    """Call an OpsService method through the gateway like the README does; the JSON messages it printed."""
    result = buf_curl(
        "-H", f"authorization: Bearer {token}", "-d", json.dumps(body), f"{stack.gateway_url}/{OPS.full_name}/{method}",
        timeout_s=BUF_TIMEOUT_S,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    decoder, text, messages = json.JSONDecoder(), result.stdout.strip(), []
    while text:
        message, end = decoder.raw_decode(text)
        messages.append(message)
        text = text[end:].strip()
    return messages


def _fitctl(stack: Stack, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FITCOACH_GATEWAY_URL": stack.gateway_url,
        # The dev stack's sign-in settings: `fitctl admin` mints a dev operator token from them.
        "SUPABASE_JWT_SECRET": stack.jwt_secret,
        "SUPABASE_URL": stack.supabase_url,
        "FITCOACH_DEV_USER": str(uuid.uuid4()),
    }
    if token:
        env["FITCOACH_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "fitctl", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("method_name", METHODS)
async def test_every_ops_rpc_is_refused_to_athletes_through_the_gateway(
    stack: Stack, method_name: str
) -> None:
    token = stack.token(str(uuid.uuid4()))
    path = f"/{OPS.full_name}/{method_name}"
    request = _request(method_name)
    method = OPS.methods_by_name[method_name]
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            if method.server_streaming:
                async for _ in channel.unary_stream(path, request_serializer=type(request).SerializeToString)(
                    request, metadata=bearer(token), timeout=30
                ):
                    pass
            else:
                await channel.unary_unary(path, request_serializer=type(request).SerializeToString)(
                    request, metadata=bearer(token), timeout=30
                )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The browser's transport gets the same answer.
    web = grpc_web.call(stack.gateway_url, path, request, token=token)  # type: ignore[arg-type]
    assert web.status == grpc.StatusCode.PERMISSION_DENIED.value[0], (web.status, web.message)


def test_every_ops_rpc_answers_an_operator_over_buf_curl(stack: Stack, tmp_path: Path) -> None:
    listed = buf_curl("--list-services", stack.gateway_url, timeout_s=BUF_TIMEOUT_S)
    assert listed.returncode == 0 and OPS.full_name in listed.stdout.split(), listed.stderr
    token = stack.token(str(uuid.uuid4()), operator=True)
    stats = _buf_messages(stack, token, "GetPipelineStats", {"window": "86400s"})
    assert stats[0]["window"] == "86400s" and stats[0]["analyzerVersion"]
    cost = _buf_messages(stack, token, "GetStorageCost", {"users": 1000})
    assert cost[0]["projection"]["storageCost"] == pytest.approx(0.75)
    replay = _buf_messages(stack, token, "Replay", {"dryRun": True})
    assert replay[-1]["progress"]["final"] and replay[-1]["progress"]["dryRun"]
    assert _buf_messages(stack, token, "ListDeadLetters", {"pageSize": 10}) == [{}]  # none: an empty message
    redrive = _buf_messages(stack, token, "RedriveDeadLetters", {"all": True})
    assert redrive[-1]["progress"]["final"]
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "run.fit").write_bytes(fixture_path("run-fenix2-gps-hr.fit").read_bytes())
    owner = str(uuid.uuid4())
    migrated = _buf_messages(
        stack, token, "MigrateLegacy", {"fromDir": str(folder), "fromDirUserId": owner, "dryRun": True}
    )
    assert migrated[-1]["progress"]["final"] and migrated[-1]["progress"]["migrated"] == "1"
    runs = _buf_messages(stack, token, "ListMigrationRuns", {"pageSize": 5})
    assert runs[0]["runs"][0]["runId"] == migrated[-1]["progress"]["runId"]


def test_fitctl_admin_commands_with_the_dev_operator_token(stack: Stack, tmp_path: Path) -> None:
    athlete = stack.token(str(uuid.uuid4()))
    upload = _fitctl(
        stack, "upload", str(fixture_path("cycle-zwift-virtual.fit")), "--wait", "--json", token=athlete
    )
    assert upload.returncode == 0, upload.stderr

    stats = _fitctl(stack, "admin", "stats", "--json", "--window", "1d")
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert {s["status"] for s in figures["statuses"]} >= {"analyzed"}
    assert figures["analysis_delay"]["count"] >= 1
    assert "analysis delay" in _fitctl(stack, "admin", "stats").stdout

    cost = json.loads(_fitctl(stack, "admin", "cost", "--users", "1000", "--json").stdout)
    p = cost["projection"]
    assert (round(p["storage_cost"], 2), round(p["upload_cost"], 2), round(p["download_cost"], 2)) == (
        0.75,
        0.14,
        0.04,
    )
    assert "total $0.92 per month" in _fitctl(stack, "admin", "cost").stdout

    dry = _fitctl(stack, "admin", "replay", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    summary = json.loads(dry.stdout)
    assert summary["final"] and summary["dry_run"] and summary["matched"] >= 1
    assert summary["skipped"] == summary["matched"]  # all analyzed by this version already

    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "ride.fit").write_bytes(fixture_path("cycle-edge810-vector-power.fit").read_bytes())
    owner = str(uuid.uuid4())
    args = ("admin", "migrate", "--from-dir", str(folder), "--user", owner, "--json")
    first = json.loads(_fitctl(stack, *args).stdout)
    assert (first["migrated"], first["queued"], first["failed"]) == (1, 1, 0)
    again = json.loads(_fitctl(stack, *args).stdout)
    assert (again["migrated"], again["already_migrated"]) == (0, 1)
    assert "already there 1" in _fitctl(stack, *args[:-1]).stdout
    runs = json.loads(_fitctl(stack, "admin", "migrations", "--json").stdout)["runs"]
    assert runs[0]["state"] == "finished" and runs[0]["report"]["already_migrated"] == 1

    letters = json.loads(_fitctl(stack, "admin", "dead-letters", "--json").stdout)
    assert letters["unresolved"] == 0
    refused = _fitctl(stack, "admin", "stats", token=athlete)
    assert refused.returncode == 1 and "PERMISSION_DENIED" in refused.stderr


def _scrape(url: str) -> dict[str, float]:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def _value(samples: dict[str, float], pattern: str) -> float:
    found = [v for k, v in samples.items() if re.fullmatch(pattern, k)]
    assert found, f"no sample matches {pattern}"
    return sum(found)


def test_dashboard_figures_are_scraped_from_each_services_metrics(stack: Stack) -> None:
    athlete = stack.token(str(uuid.uuid4()))
    upload = _fitctl(stack, "upload", str(fixture_path("run-stryd-power-devfields.fit")), "--wait", "--json",
                     token=athlete)  # fmt: skip
    assert upload.returncode == 0, upload.stderr
    with grpc.insecure_channel(stack.gateway_address) as channel:
        stats = ops_grpc.OpsServiceStub(channel).GetPipelineStats(
            ops_pb.GetPipelineStatsRequest(),
            metadata=bearer(stack.token(str(uuid.uuid4()), operator=True)),
            timeout=30,
        )
    analyzed = next(s.count for s in stats.statuses if s.status == "analyzed")
    deadline = time.monotonic() + 30
    while True:  # the gauges refresh every METRICS_REFRESH_S (1 s in this stack)
        analyzer = _scrape(stack.metrics_url("analyzer"))
        upload_metrics = _scrape(stack.metrics_url("upload"))
        if (
            _value(analyzer, r'fitcoach_activities\{status="analyzed"\}') >= analyzed
            and _value(upload_metrics, "fitcoach_stored_objects") >= stats.stored_objects
        ) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert _value(analyzer, r'fitcoach_activities\{status="analyzed"\}') >= analyzed >= 1
    assert _value(analyzer, r"fitcoach_analysis_delay_seconds_count") >= 1
    assert _value(analyzer, r'fitcoach_analysis_delay_seconds_bucket\{le="\+Inf"\}') >= 1
    assert _value(analyzer, r'fitcoach_pipeline_stage_seconds_count\{stage="queue"\}') >= 1
    assert _value(analyzer, r'fitcoach_queue_events\{state="pending"\}') >= 0
    assert _value(analyzer, "fitcoach_dead_letters") == stats.dead_letters
    assert _value(analyzer, r'fitcoach_storage_operations_total\{operation="GetObject",r2_class="B"\}') >= 1
    assert _value(upload_metrics, "fitcoach_stored_objects") >= stats.stored_objects
    assert _value(upload_metrics, "fitcoach_outbox_backlog") >= 0
    assert (
        _value(upload_metrics, r'fitcoach_storage_operations_total\{operation="PutObject",r2_class="A"\}')
        >= 1
    )
    assert (
        _value(upload_metrics, r'fitcoach_storage_operations_total\{operation="HeadObject",r2_class="B"\}')
        >= 1
    )
    advisor = _scrape(stack.metrics_url("advisor"))
    assert _value(advisor, r"fitcoach_grpc_requests_total\{.*GenerateAdvice.*\}") >= 1


def test_the_readmes_buf_curl_line_for_each_ops_rpc_works(stack: Stack) -> None:
    lines = [ln for ln in (REPO / "README.md").read_text().splitlines() if ln.startswith("$BUF curl ")]
    by_method = {ln.rsplit("/", 1)[1]: ln for ln in lines if f"/{OPS.full_name}/" in ln}
    assert set(by_method) == set(METHODS), "the README needs one buf curl line per OpsService RPC"
    env = {
        **os.environ,
        "BUF": str(BUF),
        "OP": stack.token(str(uuid.uuid4()), operator=True),
        "FITCOACH_GATEWAY_URL": stack.gateway_url,
    }
    for method, line in by_method.items():
        result = subprocess.run(
            ["bash", "-c", line], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if method == "MigrateLegacy":  # its example names a legacy database this machine does not have
            assert (
                "cannot connect to the legacy database postgresql://user:***@legacy-host/app" in result.stderr
            )
            assert "pass@" not in result.stderr
        else:
            assert result.returncode == 0, (method, result.stderr)
