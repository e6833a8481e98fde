"""`fitctl analyze`: the library run locally from the command line (tools/fitctl/src/fitctl/analyze.py)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from fitcoach_stack.fixtures import FIT as FIXTURES
from fitctl.analyze import HEADLINE_KEYS, run

BROKEN = sorted(str(p) for p in FIXTURES.glob("broken-*.fit") if p.name != "broken-bad-crc.fit")


def test_json_lines_for_good_and_broken_files() -> None:
    good = [str(FIXTURES / "cycle-edge810-vector-power.fit"), str(FIXTURES / "broken-bad-crc.fit")]
    out = io.StringIO()
    assert run(good + BROKEN, as_json=True, out=out) == 1  # any failure → exit status 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["file"] for line in lines] == good + BROKEN
    ride = lines[0]
    assert ride["error"] is None
    (session,) = ride["sessions"]
    assert (session["sport"], session["sub_sport"]) == ("cycling", "generic")
    for part in ("device", "computed"):
        assert set(HEADLINE_KEYS) <= set(session[part])
    assert session["device"]["normalized_power_w"] == 301
    assert abs(session["computed"]["normalized_power_w"] - 301) < 301 * 0.02
    assert session["device"]["moving_time_s"] is None and session["computed"]["calories_kcal"] is None
    for broken in lines[2:]:
        assert broken["error"].startswith("not a valid FIT file: ") and broken["sessions"] == []


def test_all_good_files_exit_zero_and_missing_files_fail() -> None:
    assert run([str(FIXTURES / "run-fr70-footpod-compressed-ts.fit")], as_json=True, out=io.StringIO()) == 0
    out = io.StringIO()
    assert run([str(FIXTURES / "no-such-file.fit")], as_json=True, out=out) == 1
    assert "No such file" in json.loads(out.getvalue())["error"]


def test_table_output_and_module_entry_point() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fitctl",
            "analyze",
            str(FIXTURES / "run-fr70-footpod-compressed-ts.fit"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "session 1: running" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.strip().startswith("distance_m"))
    assert row.split()[1:] == ["10248.7", "10248.7"]
