"""`fitctl analyze FILE... [--json]`: run the analysis library locally, without any service.

With --json, one JSON object per file per line: {"file", "error", "sessions": [{"sport", "sub_sport",
"device": {...}, "computed": {...}, ...}]}; device and computed always carry the HEADLINE_KEYS (null when
absent). Without it, a table per file, device beside computed. Exit status 1 when any file failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from fitcoach_analysis import InvalidFitFile, analyze

from .config import Context

HEADLINE_KEYS = (
    "distance_m",
    "timer_time_s",
    "elapsed_time_s",
    "moving_time_s",
    "avg_speed_mps",
    "moving_speed_mps",
    "max_speed_mps",
    "avg_hr_bpm",
    "max_hr_bpm",
    "ascent_m",
    "descent_m",
    "avg_power_w",
    "max_power_w",
    "normalized_power_w",
    "avg_cadence",
    "calories_kcal",
)


def analyze_file(path: str) -> dict[str, Any]:
    """The --json object for one file. Unreadable or invalid files give {"error": ..., "sessions": []}."""
    try:
        data = Path(path).read_bytes()
        result = analyze(data)
    except (OSError, InvalidFitFile) as exc:
        return {"file": path, "error": str(exc), "sessions": []}
    sessions = []
    for s in result["sessions"]:
        item = dict(s)
        # Every headline key present, null when absent, so scripts can index without checks.
        item["device"] = {**dict.fromkeys(HEADLINE_KEYS), **s["device"]}
        item["computed"] = {**dict.fromkeys(HEADLINE_KEYS), **s["computed"]}
        sessions.append(item)
    return {
        "file": path,
        "error": None,
        "analyzer_version": result["analyzer_version"],
        "sport": result["sport"],
        "start_time": result["start_time"],
        "device": result["device"],
        "summary": result["summary"],
        "sessions": sessions,
        "warnings": result["warnings"],
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1e6 else f"{value:.3g}"
    return str(value)


def print_table(result: dict[str, Any], out: TextIO) -> None:
    out.write(f"{result['file']}\n")
    if result["error"]:
        out.write(f"  error: {result['error']}\n")
        return
    for k, s in enumerate(result["sessions"], 1):
        sub = f" / {s['sub_sport']}" if s.get("sub_sport") else ""
        out.write(f"  session {k}: {s['sport']}{sub}, start {s.get('start_time') or '-'}\n")
        out.write(f"    {'metric':<20}{'device':>14}{'computed':>14}\n")
        for key in HEADLINE_KEYS:
            out.write(f"    {key:<20}{_fmt(s['device'].get(key)):>14}{_fmt(s['computed'].get(key)):>14}\n")
        load, method = s["computed"].get("training_load"), s["computed"].get("training_load_method")
        if load is not None:
            out.write(f"    {'training_load':<20}{'':>14}{_fmt(load):>14} ({method})\n")


def run(files: Sequence[str], *, as_json: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up per call, not at import: redirections made later are honoured
    failed = False
    for path in files:
        result = analyze_file(path)
        failed |= result["error"] is not None
        if as_json:
            out.write(json.dumps(result, allow_nan=False) + "\n")
        else:
            print_table(result, out)
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `analyze` subcommand; the handler returns the exit status."""
    parser = subparsers.add_parser("analyze", help="analyze FIT files locally (no services)")
    parser.add_argument("files", nargs="+", metavar="FILE", help="FIT files")
    parser.add_argument("--json", action="store_true", help="one JSON object per file per line")
    parser.set_defaults(handler=run_command)


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    """The `analyze` handler: local work only, so the connection settings in `ctx` go unused."""
    return run(args.files, as_json=args.json)
