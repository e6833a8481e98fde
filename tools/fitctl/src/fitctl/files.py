"""The .fit files named on a command line: files as they are, folders searched recursively."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


def find_fit_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    """(files found, arguments that are neither a file nor a folder).

    Files named directly are taken as they are; folders contribute every *.fit (any case) below them, in
    name order. A file reached twice is taken once.
    """
    found: list[Path] = []
    missing: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates: Iterable[Path] = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".fit"
            )
        elif path.is_file():
            candidates = [path]
        else:
            missing.append(raw)
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found, missing
