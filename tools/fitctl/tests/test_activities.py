"""`fitctl show` and `fitctl list` through a real gRPC server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fitctl.cli import main


def upload(make_fit: Any, name: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["upload", str(make_fit(name)), "--wait", "--json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)["activity_id"]


def test_show_json_has_sessions_laps_splits_and_advice(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    activity_id = upload(make_fit, "show.fit", capsys)
    assert main(["show", activity_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["activity_id"] == activity_id and shown["status"] == "analyzed"
    (session,) = shown["sessions"]
    assert [lap["index"] for lap in session["laps"]] == [1, 2]
    assert session["laps"][0]["metrics"]["distance_m"] == 5000.0
    assert len(session["splits_km"]) == 10 and session["splits_km"][0]["pace_s_per_km"] == 300.0
    assert session["computed"]["avg_hr_bpm"] == 150.0 and "streams" not in session
    assert shown["advice"]["next_session"] == "Easy 40 minutes."

    assert main(["show", activity_id, "--json", "--streams"]) == 0
    streams = json.loads(capsys.readouterr().out)["sessions"][0]["streams"]
    assert streams["heart_rate_bpm"] == [None, 120.0]  # NaN (missing sample) → null, valid JSON


def test_show_text(fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]) -> None:
    activity_id = upload(make_fit, "text.fit", capsys)
    assert main(["show", activity_id]) == 0
    out = capsys.readouterr().out
    assert f"text.fit: analyzed  [{activity_id}]" in out
    assert "laps:" in out and "km splits:" in out and "went well:" in out


def test_show_failed_activity_exits_non_zero_with_reason(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    activity_id = upload(make_fit, "broken.fit", capsys)
    assert main(["show", activity_id]) == 1
    assert "error: not a FIT file: header size 0" in capsys.readouterr().out


def test_someone_elses_activity_is_not_found(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    activity_id = upload(make_fit, "mine.fit", capsys)
    assert main(["token", "--user", str(uuid.uuid4())]) == 0
    stranger = capsys.readouterr().out.strip()
    assert main(["show", activity_id, "--token", stranger]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "fitctl: NOT_FOUND: activity not found\n"


def test_list_follows_pages_newest_first(
    fake_stack: Any, make_fit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [upload(make_fit, f"list{i}.fit", capsys) for i in range(5)]
    assert main(["list", "--json", "--limit", "0"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [item["activity_id"] for item in listed] == ids[::-1]  # the fake serves 2 per page
    assert all(item["status"] == "analyzed" and item["metrics"]["distance_m"] == 10_000.0 for item in listed)

    assert main(["list", "--json", "-n", "3"]) == 0
    assert [json.loads(line)["activity_id"] for line in capsys.readouterr().out.splitlines()] == ids[:1:-1]

    assert main(["list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("activity id") and len(table) == 6
    assert ids[0] in table[-1] and "10.00 km" in table[-1] and "list0.fit" in table[-1]


def test_list_empty_and_connection_flags_after_the_command(
    fake_stack: Any, workdir: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", "--gateway", fake_stack.gateway_url]) == 0
    assert "no activities yet" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["upload"]) == 2
    assert main(["--help"]) == 0
    assert "upload" in capsys.readouterr().out
