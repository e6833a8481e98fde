"""Analysis speed over the valid FIT fixtures: time per file and MB/s, split into decode and metrics.

    .venv/bin/python bench/analysis.py [--repeat N] [--fixtures DIR]

Each phase is timed as the best of N runs (default 3) so a busy machine disturbs the figures less. The
decode column is the baseline the faster decoder is measured against.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fitcoach_analysis import InvalidFitFile, analyze_decoded
from fitcoach_analysis.fit import decode
from fitcoach_stack.fixtures import FIT

DEFAULT_FIXTURES = FIT


def best_of(repeat: int, fn: object) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args()
    files = sorted(args.fixtures.glob("*.fit"))
    print(f"{'file':<44}{'MB':>7}{'records':>9}{'decode s':>10}{'metrics s':>11}{'total s':>9}{'MB/s':>7}")
    total_bytes = total_decode = total_metrics = 0.0
    count = 0
    for path in files:
        data = path.read_bytes()
        try:
            decode_s, decoded = best_of(args.repeat, lambda data=data: decode(data))
        except InvalidFitFile:
            continue  # broken fixtures: nothing to analyse
        metrics_s, _ = best_of(args.repeat, lambda decoded=decoded: analyze_decoded(decoded))
        mb = len(data) / 1e6
        total_s = decode_s + metrics_s
        print(
            f"{path.name:<44}{mb:>7.2f}{decoded.record_count:>9}{decode_s:>10.3f}{metrics_s:>11.3f}"  # type: ignore[attr-defined]
            f"{total_s:>9.3f}{mb / total_s:>7.2f}"
        )
        total_bytes += len(data)
        total_decode += decode_s
        total_metrics += metrics_s
        count += 1
    mb = total_bytes / 1e6
    total = total_decode + total_metrics
    print(
        f"\n{count} valid files, {mb:.2f} MB: decode {total_decode:.2f} s ({mb / total_decode:.2f} MB/s), "
        f"metrics {total_metrics:.2f} s ({mb / total_metrics:.1f} MB/s), total {total:.2f} s "
        f"({mb / total:.2f} MB/s, {count / total:.1f} files/s); metrics = {total_metrics / total:.0%} of the time"
    )


if __name__ == "__main__":
    main()
