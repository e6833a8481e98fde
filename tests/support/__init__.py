"""Helpers shared by the cross-service tests (tests/conftest.py puts tests/ on sys.path)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "fit"


def fixture_path(name: str) -> Path:
    """A real device file from ../shared/fixtures/fit/."""
    path = FIXTURES / name
    assert path.exists(), f"missing fixture {path}"
    return path
