"""`fitctl truth`: per file and in total, through the same comparison as the metric-truth tests."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from fitcoach_analysis import analyze
from fitcoach_analysis.truth import ALL_TOTAL, SUMMARY_TOTAL, agreement, result_pairs
from fitcoach_stack.fixtures import FIT, FIT_CORPUS
from fitctl.cli import main
from fitctl.truth import run


def test_a_folder_in_json_lines_per_file_then_the_total() -> None:
    out = io.StringIO()
    assert run([str(FIT_CORPUS)], as_json=True, out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    files, total = lines[:-1], lines[-1]["total"]
    assert [Path(f["file"]).name for f in files] == sorted(p.name for p in FIT_CORPUS.glob("*.fit"))
    expected = agreement(p for f in files for p in result_pairs(analyze(Path(f["file"]).read_bytes())))
    assert (total["within"], total["total"]) == (expected[ALL_TOTAL].within, expected[ALL_TOTAL].total)
    assert total["metrics"][SUMMARY_TOTAL]["total"] == expected[SUMMARY_TOTAL].total
    assert total["files"] == 80 and total["failed"] == 0
    pair = files[0]["sessions"][0]["pairs"][0]
    assert set(pair) == {"metric", "device", "computed", "difference", "tolerance", "within"}
    assert pair["difference"] == pair["computed"] - pair["device"]
    for f in files:
        for s in f["sessions"]:
            assert s["within"] == sum(p["within"] for p in s["pairs"]) and s["total"] == len(s["pairs"])


def test_text_shows_each_pair_each_failure_and_the_total(tmp_path: Path) -> None:
    for name in ("cycle-edge810-vector-power.fit", "broken-truncated.fit"):
        shutil.copy(FIT / name, tmp_path / name)
    out = io.StringIO()
    assert run([str(tmp_path), str(tmp_path / "missing.fit")], as_json=False, out=out) == 1
    text = out.getvalue()
    assert "broken-truncated.fit\n  error: not a valid FIT file: " in text
    assert "missing.fit\n  error: no such file or directory" in text
    # The Edge 810 averages cadence with zeros (its setting), against the default without: one miss.
    row = next(line for line in text.splitlines() if line.strip().startswith("avg_cadence"))
    assert row.split()[1:3] == ["87.0", "90.3"] and row.endswith("MISS")
    assert "total: 3 file(s) (2 not analysed)" in text


def test_the_command_line_runs_it() -> None:
    assert main(["truth", str(FIT_CORPUS / "run-fenix6-road.fit"), "--json"]) == 0
