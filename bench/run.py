"""`make bench`: every benchmark, one after another, each printing its own figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ("decoding: fitdecode vs the numpy decoder vs fitfast", ["decode.py"]),
    ("analysis: decode + metrics per file", ["analysis.py"]),
    ("pipeline: upload → analyzed through the running system", ["pipeline.py"]),
    ("web app: first page JavaScript and detail page of the 100k-record file", ["web.py"]),
    ("fitctl analyze: time to the first file", ["fitctl_start.py"]),
    ("legacy migration: 330 files, ~46 MB, migrated and verified", ["migrate.py"]),
    ("replay under load: fresh uploads' latency during a forced replay", ["replay_load.py"]),
]


def main() -> int:
    failed = 0
    for title, argv in BENCHMARKS:
        print(f"\n== {title}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / argv[0]), *argv[1:], *sys.argv[1:]]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
