"""`fitctl admin` and `fitctl token --operator` without a server: argument parsing, the request each command
builds, the operator token it mints in dev mode. (Against the real stack: tests/e2e/test_ops.py.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
import pytest
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitctl.admin import migrate_request, parse_duration, parse_time, replay_text
from fitctl.cli import build_parser, main
from fitctl.config import Context

SECRET = "fitctl-admin-secret-" + "s" * 32
SUPABASE = "http://127.0.0.1:9"


def _context(tmp_path: Path) -> Context:
    return Context(environ={"SUPABASE_JWT_SECRET": SECRET, "SUPABASE_URL": SUPABASE}, cwd=tmp_path)


def test_durations_and_times() -> None:
    assert [parse_duration(t) for t in ("7d", "24h", "30m", "90s", "15")] == [604800, 86400, 1800, 90, 15]
    with pytest.raises(Exception, match="not a duration"):
        parse_duration("a week")
    assert parse_time("2026-11-01T10:00:00") == dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    two_hours_ago = parse_time("2h")
    assert abs((dt.datetime.now(dt.UTC) - two_hours_ago).total_seconds() - 7200) < 5


def test_admin_uses_an_operator_token_in_dev_mode(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    claims = jwt.decode(ctx.operator_token(), SECRET, algorithms=["HS256"], audience="authenticated")
    assert claims["app_metadata"]["role"] == "operator" and claims["role"] == "authenticated"
    athlete = jwt.decode(ctx.token(), SECRET, algorithms=["HS256"], audience="authenticated")
    assert "role" not in athlete["app_metadata"]
    given = Context(token_flag="an-operators-token", environ={}, cwd=tmp_path)
    assert given.operator_token() == "an-operators-token"  # a real deployment's token is used as given


def test_token_operator_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPABASE_JWT_SECRET", SECRET)
    monkeypatch.setenv("SUPABASE_URL", SUPABASE)
    monkeypatch.chdir(tmp_path)
    assert main(["token", "--operator"]) == 0
    token = capsys.readouterr().out.strip()
    assert (
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="authenticated")["app_metadata"]["role"]
        == "operator"
    )


def test_migrate_builds_the_request_the_upload_service_reads(tmp_path: Path) -> None:
    mapping = tmp_path / "users.csv"
    mapping.write_text("legacy_user_id,user_id\n17,5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a\n")
    args = build_parser().parse_args(
        ["admin", "migrate", "--legacy-dsn", "postgresql://u:p@db/app", "--table", "activities", "--table",
         "old.workouts", "--content-column", "blob", "--user-map", str(mapping), "--write-back", "--no-analyze",
         "--from-dir", str(tmp_path), "--user", "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "--parallelism", "4"]
    )  # fmt: skip
    request = migrate_request(args)
    assert [t.name for t in request.tables] == ["activities", "old.workouts"]
    assert {t.content_column for t in request.tables} == {"blob"} and request.tables[0].id_column == ""
    assert request.user_map_csv.startswith("legacy_user_id") and request.write_back and request.no_analyze
    assert request.from_dir == str(tmp_path.resolve()) and request.parallelism == 4


def test_migrate_refuses_a_folder_without_its_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["admin", "migrate", "--from-dir", str(tmp_path), "--gateway", "http://127.0.0.1:9", "--token", "t"]
    )
    assert code == 1 and "--from-dir needs --user" in capsys.readouterr().err


def test_replay_summary_text() -> None:
    progress = ops_pb.ReplayProgress(
        replay_id="r1", scanned=10, matched=4, done=2, skipped=1, failed=1, first_sequence=3, last_sequence=12,
        failures=[ops_pb.ReplayFailure(activity_id="a1", sequence=7, reason="not a valid FIT file")], final=True,
    )  # fmt: skip
    text = replay_text(progress, "replay")
    assert "10 events read (sequences 3–12), 4 activities matched" in text
    assert "reprocessed 2, skipped 1 (already current), failed 1" in text
    assert "failed a1 (seq 7): not a valid FIT file" in text
