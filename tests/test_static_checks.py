"""The house style as tests: ruff lint, ruff format and mypy (strict) must pass on the whole tree.

Each tool runs as `make lint` runs it, from the repo root with the settings in pyproject.toml, using the
venv's own interpreter. mypy keeps its incremental cache in .mypy_cache: ~10 s cold, under a second warm.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECKS = {
    "ruff check": ["ruff", "check", "."],
    "ruff format": ["ruff", "format", "--check", "."],
    "mypy": ["mypy"],  # `files` and strictness come from [tool.mypy] in pyproject.toml
}


@pytest.mark.parametrize("command", CHECKS.values(), ids=CHECKS.keys())
def test_tree_passes(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}"
