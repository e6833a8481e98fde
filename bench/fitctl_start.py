"""How long `fitctl analyze` takes to reach its first file: process start, imports, argument parsing.

    .venv/bin/python bench/fitctl_start.py [--runs N]

`fitctl analyze` is run on a file that does not exist: it imports everything a local analysis needs, parses
its arguments, fails to read the first file and exits, so its whole run is the time to the first file.
Figures are the best and the median of N runs (wall clock, and the CPU time the process used, which a busy
machine disturbs less); `python -c pass` is the interpreter's own floor. Then `python -X importtime` names
the heaviest imports of the same run.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

MISSING = "/nonexistent/fitctl-start-bench.fit"


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of argv."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def report(label: str, argv: list[str], runs: int) -> None:
    timed(argv)  # warm the page cache and the .pyc files
    walls, cpus = zip(*(timed(argv) for _ in range(runs)), strict=True)
    print(
        f"{label:<34} wall best {min(walls):.3f} s, median {statistics.median(walls):.3f} s;  "
        f"CPU best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s"
    )


def heaviest_imports(argv: list[str], count: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the top-level imports of one run, heaviest first."""
    err = subprocess.run(argv, capture_output=True, text=True, check=False).stderr
    top = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m.group(2)) <= 1:  # one space: imported by the program itself, not by a module
            top.append((int(m.group(1)), m.group(3)))
    return sorted(top, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=9)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same arguments
    fitctl = shutil.which("fitctl", path=str(Path(sys.executable).parent))
    if fitctl is None:
        print("fitctl is not installed in this environment (make venv)")
        return 1
    report("python -c pass (interpreter)", [sys.executable, "-c", "pass"], args.runs)
    report("fitctl analyze (to the first file)", [sys.executable, fitctl, "analyze", MISSING], args.runs)
    print("heaviest top-level imports of `fitctl analyze` (cumulative):")
    for micros, module in heaviest_imports(
        [sys.executable, "-X", "importtime", fitctl, "analyze", MISSING], 8
    ):
        print(f"  {micros / 1e6:.3f} s  {module}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
