"""The schema gates: buf lint is clean and the committed Python stubs match protos/ (regenerated fresh)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_committed_stubs_are_regenerated_identically() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_proto.py"), "--check"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_buf_lint_is_clean() -> None:
    buf = REPO / "node_modules" / ".bin" / "buf"
    result = subprocess.run(
        [str(buf), "lint"], cwd=REPO / "protos", capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
