"""The web app's static gates: its TypeScript stubs are fresh (like the Python ones) and its unit tests
(vitest: formatting, units, the upload queue, live status, translations) pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NPM_HINT = "node_modules is missing: run `make venv`"


def test_committed_typescript_stubs_are_regenerated_identically() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_proto.py"), "--check-typescript"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_vitest_unit_tests_pass() -> None:
    vitest = REPO / "node_modules" / ".bin" / "vitest"
    assert vitest.exists(), NPM_HINT
    result = subprocess.run(
        [str(vitest), "run", "--reporter=dot"], cwd=REPO / "web", capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
