"""`fitctl upload` against a real gRPC server and a real HTTP store: JSON shape, exact PUT headers, one bad
file never stopping the others, and presigned URLs never printed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fitcoach.activity.v1 import activity_service_pb2 as activity_pb
from fitctl.cli import main

REQUIRED_KEYS = {"activity_id", "file", "status", "metrics", "sessions", "advice", "error"}


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
    code = main(argv)
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    return code, lines, captured.err


def test_upload_wait_json_reports_metrics_and_advice(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_fit("run.fit")
    code, lines, err = run_json(["upload", str(path), "--wait", "--json"], capsys)
    assert code == 0, err
    assert len(lines) == 1
    result = lines[0]
    assert REQUIRED_KEYS <= set(result)
    assert result["status"] == "analyzed" and result["error"] is None and result["duplicate"] is False
    assert result["file"] == str(path)
    assert set(result["metrics"]) == {f.name for f in activity_pb.MetricSet.DESCRIPTOR.fields}
    assert result["metrics"]["distance_m"] == 10_000.0
    assert result["metrics"]["timer_time_s"] == 3000.0
    assert result["metrics"]["avg_hr_bpm"] == 150.0
    assert result["metrics"]["avg_power_w"] is None
    assert result["sessions"] == [
        {"sport": "running", "sub_sport": "generic", "start_time": None, "laps": 2, "splits_km": 10}
    ]
    advice = result["advice"]
    assert advice["summary"] == "A steady 10 km run." and advice["went_well"] == ["Even pacing"]
    assert advice["engine"] == "offline" and advice["language"] == "en" and advice["model"] is None
    assert fake_stack.backend.activities[result["activity_id"]].status == activity_pb.ACTIVITY_STATUS_ANALYZED


def test_put_carries_exactly_the_returned_headers_and_the_bytes(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_fit("headers.fit", b"\x0e\x10" + bytes(range(256)) * 2000)  # > one streaming chunk
    code, (result,), err = run_json(["upload", str(path), "--json"], capsys)
    assert code == 0, err
    assert result["status"] == "uploaded" and result["metrics"] is None and result["advice"] is None
    activity = fake_stack.backend.activities[result["activity_id"]]
    stored = fake_stack.store.puts[activity.key]
    assert stored.body == path.read_bytes()
    assert hashlib.sha256(stored.body).hexdigest() == activity.sha256
    for name, value in fake_stack.backend.upload_headers_sent[result["activity_id"]].items():
        assert stored.headers[name.lower()] == value
    assert "transfer-encoding" not in stored.headers  # presigned S3 PUTs refuse chunked bodies
    assert "authorization" not in stored.headers  # the gRPC bearer token never goes to the store
    sent_names = [name.lower() for name, _ in stored.raw_headers]
    assert len(sent_names) == len(set(sent_names))  # no header sent twice (e.g. two Content-Lengths)


def test_one_failing_file_never_stops_the_others(
    fake_stack: Any, workdir: Path, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_fit("batch/good.fit")
    make_fit("batch/nested/UPPER.FIT")
    make_fit("batch/broken.fit")
    make_fit("batch/deny.fit")
    make_fit("batch/notes.txt")
    code, lines, err = run_json(
        ["upload", "batch", str(workdir / "missing.fit"), "--wait", "--json", "--jobs", "3"], capsys
    )
    assert code == 1
    by_name = {Path(line["file"]).name: line for line in lines}
    assert set(by_name) == {"good.fit", "UPPER.FIT", "broken.fit", "deny.fit", "missing.fit"}
    for line in lines:
        assert REQUIRED_KEYS <= set(line)
    assert by_name["good.fit"]["status"] == "analyzed" and by_name["UPPER.FIT"]["status"] == "analyzed"
    broken = by_name["broken.fit"]
    assert (broken["status"], broken["stage"], broken["error"]) == (
        "failed",
        "analysis",
        "not a FIT file: header size 0",
    )
    assert broken["metrics"] is None and broken["advice"] is None
    denied = by_name["deny.fit"]
    assert denied["status"] == "failed" and denied["stage"] == "put"
    assert denied["error"] == "HTTP 403 AccessDenied Request has expired"
    assert fake_stack.backend.activities[denied["activity_id"]].status == activity_pb.ACTIVITY_STATUS_PENDING
    assert by_name["missing.fit"]["error"] == "no such file or directory"
    assert "SECRET" not in json.dumps(lines) + err  # the presigned signature is never printed


def test_duplicate_upload_reports_the_existing_activity(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_fit("twice.fit")
    code, (first,), _ = run_json(["upload", str(path), "--wait", "--json"], capsys)
    assert code == 0 and first["status"] == "analyzed"
    puts_before = len(fake_stack.store.puts)
    code, (again,), _ = run_json(["upload", str(path), "--json"], capsys)
    assert code == 0
    assert (again["activity_id"], again["status"], again["duplicate"]) == (
        first["activity_id"],
        "duplicate",
        True,
    )
    code, (waited,), _ = run_json(["upload", str(path), "--json", "--wait"], capsys)
    assert code == 0
    assert (waited["activity_id"], waited["status"], waited["duplicate"]) == (
        first["activity_id"],
        "analyzed",
        True,
    )
    assert waited["metrics"]["distance_m"] == 10_000.0
    assert len(fake_stack.store.puts) == puts_before  # no second PUT


def test_watch_is_reopened_when_the_stream_ends_early(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, (result,), err = run_json(["upload", str(make_fit("flaky.fit")), "--wait", "--json"], capsys)
    assert code == 0, err
    assert result["status"] == "analyzed"
    assert fake_stack.backend.activities[result["activity_id"]].watch_calls == 2


def test_wait_timeout_is_a_failure_with_the_last_status(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, (result,), _ = run_json(
        ["upload", str(make_fit("slow.fit")), "--wait", "--json", "--timeout", "0.5"], capsys
    )
    assert code == 1
    assert result["status"] == "failed" and result["stage"] == "wait"
    assert result["error"] == "no final state after 0.5 s (last status: analyzing)"


def test_human_output_shows_metrics_and_advice(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["upload", str(make_fit("easy.fit")), "--wait"]) == 0
    out = capsys.readouterr().out
    assert "easy.fit: analyzed" in out
    assert "10.00 km" in out and "moving 49:10  timer 50:00" in out
    assert "5:00 /km" in out and "avg 150 max 175 bpm" in out and "700 kcal" in out
    assert "advice (offline; no API key):" in out and "- Even pacing" in out
    assert "next session: Easy 40 minutes." in out


def test_rpc_errors_are_reported_per_file(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, (result,), _ = run_json(
        ["upload", str(make_fit("a.fit")), "--json", "--token", "not-a-jwt"], capsys
    )
    assert code == 1
    assert result["status"] == "failed" and result["stage"] == "create"
    assert result["error"].startswith("UNAUTHENTICATED: malformed token")


def test_unreachable_gateway_fails_each_file(
    workdir: Path, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = make_fit("x.fit")
    code = main(["--gateway", f"http://127.0.0.1:{port}", "upload", str(path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["error"].startswith("UNAVAILABLE:")


def test_empty_file_fails_locally_with_a_plain_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.fit"
    empty.write_bytes(b"")
    # Nothing listens on the gateway: the empty file must be refused before any call is made.
    code = main(["upload", str(empty), "--json", "--gateway", "http://127.0.0.1:9", "--token", "t"])
    result = json.loads(capsys.readouterr().out.strip())
    assert code == 1
    assert result["status"] == "failed" and result["stage"] == "read"
    assert result["error"] == "empty file (0 bytes): not a FIT file"
