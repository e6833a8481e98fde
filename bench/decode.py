"""FIT decoding throughput: fitdecode (reference) vs FitCoach's fast decoder vs fitfast (Rust), one run.

    .venv/bin/python bench/decode.py [--repeat N] [--fixtures DIR]

Prints per-file and total MB/s over every valid fixture, the fast/fitdecode ratio (goal >= 100x), the
fast/fitfast ratio (goal > 1) and the peak extra RSS of decoding the 2.4 MB stress fixture (goal < 10x).
fitdecode is timed iterating its frames with default options (what decoding costs it); the fast decoder
is timed producing the full DecodedActivity (sessions, laps, samples); fitfast is timed on records().

Measured here (2 cores, Python 3.11, all 17 valid fixtures, 5.75 MB): fitdecode 0.47 MB/s, fast 67 MB/s
(144x), fitfast records() 29 MB/s (fast = 2.4x); stress fixture peak extra RSS 15.8 MB = 6.6x its size.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import fitdecode
from fitcoach_analysis.fit import decode
from fitcoach_stack.fixtures import FIT

DEFAULT_FIXTURES = FIT
STRESS = "stress-bryton-100k-records-synthetic.fit"


def valid_fixtures(folder: Path) -> list[Path]:
    summary = json.loads((folder / "SUMMARY.json").read_text())
    names = [n for n, s in summary.items() if s["exception_default"] is None and s["num_fit_headers"] > 0]
    return [folder / n for n in sorted(names)]


def best_of(repeat: int, fn, data: bytes) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - start)
    return best


def run_fitdecode(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(io.BytesIO(data)) as reader:
            for _ in reader:
                pass


def fitfast_records():
    try:
        import fitfast
    except ImportError:
        return None
    return lambda data: fitfast.records(data)


_RSS_PROBE = """
import sys
from pathlib import Path
from fitcoach_analysis.fit import decode
folder = Path(sys.argv[1])
decode((folder / "run-fr70-footpod-compressed-ts.fit").read_bytes())  # warm-up: lazy tables, imports
data = (folder / sys.argv[2]).read_bytes()
def status_kb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
before = status_kb("VmRSS")
with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM (the peak) to the current RSS
    f.write("5")
activity = decode(data)
print(len(data), before, status_kb("VmHWM"), activity.record_count)
"""


def peak_extra_rss(folder: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(folder), STRESS], check=True, capture_output=True, text=True
    ).stdout.split()
    size, before_kb, peak_kb = int(out[0]), int(out[1]), int(out[2])
    return size, (peak_kb - before_kb) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of the fast decoders per file (best kept)"
    )
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args()

    peer = fitfast_records()
    totals = {"bytes": 0, "fitdecode": 0.0, "fast": 0.0, "fitfast": 0.0, "peer_bytes": 0, "fast_on_peer": 0.0}
    print(f"{'file':44} {'KB':>7} {'fitdecode':>10} {'fast':>9} {'fitfast':>9} {'ratio':>7}  (MB/s)")
    for path in valid_fixtures(args.fixtures):
        data = path.read_bytes()
        decode(data)  # warm-up
        t_ref = best_of(1, run_fitdecode, data)
        t_fast = best_of(args.repeat, decode, data)
        t_peer = float("nan")
        if peer:
            try:
                t_peer = best_of(args.repeat, peer, data)
            except Exception:  # fitfast rejects a bad CRC outright; compare on the files it reads
                pass
        mb = len(data) / 1e6
        totals["bytes"] += len(data)
        totals["fitdecode"] += t_ref
        totals["fast"] += t_fast
        if t_peer == t_peer:
            totals["fitfast"] += t_peer
            totals["peer_bytes"] += len(data)
            totals["fast_on_peer"] += t_fast
        print(
            f"{path.name:44} {len(data) / 1024:7.0f} {mb / t_ref:10.2f} {mb / t_fast:9.1f} {mb / t_peer:9.1f}"
            f" {t_ref / t_fast:6.0f}x"
        )
    mb = totals["bytes"] / 1e6
    print()
    print(f"all valid fixtures: {mb:.2f} MB")
    print(f"fitdecode          {mb / totals['fitdecode']:8.2f} MB/s")
    print(f"fast decode()      {mb / totals['fast']:8.1f} MB/s")
    print(f"ratio fast/fitdecode {totals['fitdecode'] / totals['fast']:6.0f}x   (goal >= 100x)")
    if peer:
        peer_mb = totals["peer_bytes"] / 1e6
        print(
            f"fitfast records()  {peer_mb / totals['fitfast']:8.1f} MB/s   (on the {peer_mb:.2f} MB it accepts)"
        )
        print(
            f"ratio fast/fitfast {totals['fitfast'] / totals['fast_on_peer']:8.2f}x   (same files; goal > 1)"
        )
    else:
        print("fitfast not installed: peer figure skipped")
    size, extra = peak_extra_rss(args.fixtures)
    print(
        f"peak extra RSS decoding {STRESS}: {extra / 1e6:.1f} MB = {extra / size:.1f}x its size (goal < 10x)"
    )


if __name__ == "__main__":
    main()
