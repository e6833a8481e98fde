"""Where the shared test files are: `../shared/fixtures/` next to the repository, found from this file.

One place for the path, so tests, conftests, benchmarks and `make run` never name a machine's absolute
path (each worktree or clone reaches its own `../shared`). Importing it is free: nothing is read.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: The repository root (this file is tools/stack/src/fitcoach_stack/fixtures.py in it).
REPOSITORY = Path(__file__).resolve().parents[4]
#: ../shared/fixtures, relative to the repository.
SHARED_FIXTURES = REPOSITORY.parent / "shared" / "fixtures"
#: Real device files and a few broken ones, with SUMMARY.json (fitdecode's reading of each).
FIT = SHARED_FIXTURES / "fit"
#: The second, larger set of real files from other devices, with SESSIONS.json.
FIT_CORPUS = SHARED_FIXTURES / "fit-corpus"


def fixture_path(name: str, folder: Path | None = None) -> Path:
    """A file by name from `folder`, or from the FIT fixtures or the corpus (their names differ) when no
    folder is named; fails loudly when it is missing."""
    for candidate in [folder] if folder is not None else [FIT, FIT_CORPUS]:
        path = candidate / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"missing fixture {name} (the fixtures live in {SHARED_FIXTURES})")


#: A definition message for file_id (local 0, global 0) with its `type` field only: a message layout
#: without data, the body of a "definitions only" file.
FILE_ID_DEFINITION = bytes([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00])


def make_fit_file(body: bytes = b"") -> bytes:
    """A FIT file around `body` (raw message bytes): 14-byte header with both CRCs right, then the file CRC.

    For tests that need a file no device writes (a header only, definitions only); real files come from
    the fixture folders.
    """
    # Imported here, not at the top: the analysis library loads numpy and fitdecode, which the other users
    # of this module (conftests, make run) do not need. Its CRC is the decoder's own, so both agree.
    from fitcoach_analysis.fit.crc import crc16

    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    return header + body + struct.pack("<H", crc16(header + body))
