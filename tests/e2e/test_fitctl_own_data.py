"""`fitctl download ID` and `fitctl delete ID` through the gateway: exact bytes for the owner, nothing for
anyone else, and a delete that removes the object, the rows and the activity's place in the trend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt
import pytest
from fitcoach_stack.fixtures import fixture_path
from fitcoach_stack.servers import run_psql
from fitcoach_stack.stack import Stack

pytestmark = [pytest.mark.e2e]

RUN_FILE = "run-fr70-footpod-compressed-ts.fit"


def _fitctl(
    stack: Stack, token: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FITCOACH_GATEWAY_URL": stack.gateway_url, "FITCOACH_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "fitctl", *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
        check=False,
    )  # fmt: skip


def test_fitctl_download_and_delete(stack: Stack, tmp_path: Path) -> None:
    token = stack.token(str(uuid.uuid4()))
    original = fixture_path(RUN_FILE)
    uploaded = _fitctl(stack, token, "upload", str(original), "--wait", "--json")
    assert uploaded.returncode == 0, uploaded.stderr
    activity_id = json.loads(uploaded.stdout.splitlines()[0])["activity_id"]

    downloaded = _fitctl(stack, token, "download", activity_id, cwd=tmp_path)
    assert downloaded.returncode == 0, downloaded.stderr
    assert (tmp_path / RUN_FILE).read_bytes() == original.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [RUN_FILE]  # no temporary file left behind
    other = _fitctl(
        stack, stack.token(str(uuid.uuid4())), "download", activity_id, "-o", str(tmp_path / "x.fit")
    )
    assert other.returncode == 1 and "NOT_FOUND" in other.stderr
    assert not (tmp_path / "x.fit").exists()

    stranger = _fitctl(stack, stack.token(str(uuid.uuid4())), "delete", activity_id)
    assert stranger.returncode == 0 and "already gone" in stranger.stdout  # not theirs: nothing happens
    assert _fitctl(stack, token, "show", activity_id, "--json").returncode == 0

    deleted = _fitctl(stack, token, "delete", activity_id)
    assert deleted.returncode == 0 and f"{activity_id} deleted" in deleted.stdout, deleted.stderr
    again = _fitctl(stack, token, "delete", activity_id)
    assert again.returncode == 0 and "already gone" in again.stdout
    shown = _fitctl(stack, token, "show", activity_id)
    assert shown.returncode == 1 and "NOT_FOUND" in shown.stderr
    key = f"users/{_sub(token)}/activities/{activity_id}.fit"
    objects = stack.s3_credentials.client().list_objects_v2(Bucket=stack.bucket, Prefix=key)
    assert objects.get("KeyCount", 0) == 0
    # The analyzer purges its rows (DELETED_PURGE_INTERVAL_S=1 in the test stack).
    deadline = time.monotonic() + 30
    while _analyzer_rows(stack, activity_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _analyzer_rows(stack, activity_id) == 0


def _sub(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def _analyzer_rows(stack: Stack, activity_id: str) -> int:
    aid = uuid.UUID(activity_id)  # a UUID: safe to put in the SQL text
    out = run_psql(
        stack.database_url,
        f"SELECT (SELECT count(*) FROM analyzer.activities WHERE activity_id = '{aid}') + "
        f"(SELECT count(*) FROM analyzer.results WHERE activity_id = '{aid}')",
    )
    return int(out.strip())
