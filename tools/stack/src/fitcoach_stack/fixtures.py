"""Where the shared test files are: `../shared/fixtures/` next to the repository, found from this file.

One place for the path, so tests, conftests, benchmarks and `make run` never name a machine's absolute
path (each worktree or clone reaches its own `../shared`). Importing it is free: nothing is read.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (this file is tools/stack/src/fitcoach_stack/fixtures.py in it).
REPOSITORY = Path(__file__).resolve().parents[4]
#: ../shared/fixtures, relative to the repository.
SHARED_FIXTURES = REPOSITORY.parent / "shared" / "fixtures"
#: Real device files and a few broken ones, with SUMMARY.json (fitdecode's reading of each).
FIT = SHARED_FIXTURES / "fit"
#: The second, larger set of real files from other devices, with SESSIONS.json.
FIT_CORPUS = SHARED_FIXTURES / "fit-corpus"


def fixture_path(name: str, folder: Path = FIT) -> Path:
    """A file of `folder` (default: the FIT fixtures) by name; fails loudly when it is missing."""
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"missing fixture {path} (the fixtures live in ../shared/fixtures)")
    return path
