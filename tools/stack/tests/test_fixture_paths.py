"""Every test, conftest and benchmark reaches ../shared/fixtures through fitcoach_stack.fixtures."""

from __future__ import annotations

import subprocess

from fitcoach_stack import fixtures


def test_the_helper_points_next_to_the_repository() -> None:
    assert fixtures.SHARED_FIXTURES.relative_to(fixtures.REPOSITORY.parent).as_posix() == "shared/fixtures"
    assert (fixtures.FIT / "SUMMARY.json").is_file()
    assert (fixtures.FIT_CORPUS / "SESSIONS.json").is_file()
    assert fixtures.fixture_path("SESSIONS.json", fixtures.FIT_CORPUS).parent == fixtures.FIT_CORPUS


def test_no_other_file_spells_the_fixture_path() -> None:
    # git grep over the tracked Python files: an absolute machine path or a hand-built "../shared" path
    # anywhere but the helper itself is a second way to find the fixtures.
    # The pattern is assembled so that this line does not match itself.
    absolute, joined, relative = (
        "/work" + "/shared",
        r'"shared" */ *"fixtures"',
        r"\.\./shared" + '/fixtures"',
    )
    found = subprocess.run(
        ["git", "grep", "-n", "-E", f"{absolute}|{joined}|{relative}", "--", "*.py"],
        cwd=fixtures.REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [
        line
        for line in found.stdout.splitlines()
        if not line.startswith("tools/stack/src/fitcoach_stack/fixtures.py:")
    ]
    assert not lines, "\n".join(lines)
