"""`fitctl truth FILE_OR_DIR... [--json]`: how FitCoach's numbers compare with your device's own.

For every session of every file (folders are searched recursively for *.fit): each metric the device
reports, the value FitCoach computes from the samples under the device's definition, the difference and
whether it is within tolerance; then the agreement per metric over all files. The comparison is
`fitcoach_analysis.truth`, the one the metric-truth tests run on the fixtures and the corpus.

With --json, one JSON object per file per line ({"file", "error", "device", "sessions": [{"index", "sport",
"sub_sport", "within", "total", "pairs": [{"metric", "device", "computed", "difference", "tolerance",
"within"}]}]}), then one {"total": {"files", "failed", "within", "total", "metrics": {...}}}. Exit status 1
when a file could not be read or analysed (a value out of tolerance is a finding, not an error).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from fitcoach_analysis import InvalidFitFile, analyze
from fitcoach_analysis.truth import (
    ALL_TOTAL,
    SUMMARY_TOTAL,
    TOLERANCES,
    Pair,
    Tally,
    agreement,
    session_pairs,
)

from .config import Context
from .files import find_fit_files


def compare_file(path: Path) -> tuple[dict[str, Any], list[Pair]]:
    """(the --json object of one file, its pairs); an unreadable or invalid file has an error, no pairs."""
    try:
        result = analyze(path.read_bytes())
    except (OSError, InvalidFitFile) as exc:
        return {"file": str(path), "error": str(exc), "device": None, "sessions": []}, []
    sessions, pairs = [], []
    for k, session in enumerate(result["sessions"]):
        these = session_pairs(k, session)
        pairs += these
        sessions.append(
            {
                "index": k + 1,
                "sport": session["sport"],
                "sub_sport": session["sub_sport"],
                "within": sum(p.within for p in these),
                "total": len(these),
                "pairs": [
                    {k: v for k, v in p.as_dict().items() if k not in ("session", "sport")} for p in these
                ],
            }
        )
    return {"file": str(path), "error": None, "device": result["device"], "sessions": sessions}, pairs


def _num(value: float | None, sign: str = "") -> str:
    if value is None:
        return "-"
    value = round(value, 3 if abs(value) < 10 else 1) + 0.0  # + 0.0: no "-0.000"
    return f"{value:{sign}.3f}" if abs(value) < 10 else f"{value:{sign}.1f}"


def print_file(item: dict[str, Any], out: TextIO) -> None:
    device = item["device"] or {}
    name = " ".join(str(device[k]) for k in ("manufacturer", "product") if device.get(k))
    out.write(f"{item['file']}" + (f"  ({name})" if name else "") + "\n")
    if item["error"]:
        out.write(f"  error: {item['error']}\n")
        return
    for s in item["sessions"]:
        sub = f" / {s['sub_sport']}" if s["sub_sport"] else ""
        out.write(
            f"  session {s['index']}: {s['sport'] or '?'}{sub}, {s['within']} of {s['total']} within tolerance\n"
        )
        if not s["pairs"]:
            continue
        out.write(f"    {'metric':<20}{'device':>11}{'computed':>11}{'difference':>12}  {'tolerance':<27}\n")
        for p in s["pairs"]:
            verdict = "ok" if p["within"] else "MISS"
            out.write(
                f"    {p['metric']:<20}{_num(p['device']):>11}{_num(p['computed']):>11}{_num(p['difference'], '+'):>12}"
                f"  {p['tolerance']:<27}{verdict}\n"
            )


def _share(tally: Tally) -> str:
    return f"{100 * tally.share:.1f} %" if tally.share is not None else "-"


def print_total(table: dict[str, Tally], files: int, failed: int, out: TextIO) -> None:
    everything = table[ALL_TOTAL]
    out.write(
        f"total: {files} file(s)"
        + (f" ({failed} not analysed)" if failed else "")
        + f", {everything.within} of {everything.total} pairs within tolerance ({_share(everything)})\n"
    )
    out.write(f"  {'metric':<20}{'within':>8}{'pairs':>8}{'share':>10}  tolerance\n")
    for metric, tally in table.items():
        tolerance = TOLERANCES[metric].text if metric in TOLERANCES else ""
        out.write(f"  {metric:<20}{tally.within:>8}{tally.total:>8}{_share(tally):>10}  {tolerance}\n")
    out.write(
        f"  ({SUMMARY_TOTAL}: the eleven metrics every device writes; {ALL_TOTAL}: with the extremes)\n"
    )


def run(paths: Sequence[str], *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up per call, not at import: redirections made later are honoured
    items: list[dict[str, Any]] = []
    all_pairs: list[Pair] = []
    for raw in paths:  # in the order given; a folder's files in name order
        files, missing = find_fit_files([raw])
        if missing or not files:
            error = "no such file or directory" if missing else "no .fit files found"
            items.append({"file": raw, "error": error, "device": None, "sessions": []})
        for path in files:
            item, pairs = compare_file(path)
            items.append(item)
            all_pairs += pairs
    failed = sum(item["error"] is not None for item in items)
    table = agreement(all_pairs)
    for item in items:
        if as_json:
            out.write(json.dumps(item, allow_nan=False) + "\n")
        else:
            print_file(item, out)
    if as_json:
        metrics = {
            m: {
                "within": t.within,
                "total": t.total,
                "tolerance": TOLERANCES[m].text if m in TOLERANCES else None,
            }
            for m, t in table.items()
        }
        total = table[ALL_TOTAL]
        summary = {"files": len(items), "failed": failed, "within": total.within, "total": total.total}
        out.write(json.dumps({"total": summary | {"metrics": metrics}}) + "\n")
    else:
        print_total(table, len(items), failed, out)
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `truth` subcommand; the handler returns the exit status."""
    parser = subparsers.add_parser(
        "truth",
        help="compare FitCoach's numbers with your device's own, per file and in total (no services)",
        description="For each session of each file: every metric the device reports, the value FitCoach "
        "computes under the device's definition, the difference and whether it is within tolerance; then "
        "the agreement per metric over all files.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help=".fit files or folders holding them")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per file per line, then the total"
    )
    parser.set_defaults(handler=run_command)


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    """The `truth` handler: local work only, so the connection settings in `ctx` go unused."""
    return run(args.paths, as_json=args.json)
