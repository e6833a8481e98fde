"""`fitctl admin ...`: the operators' commands, each one OpsService RPC through the gateway.

    fitctl admin stats [--window 7d] [--json]
    fitctl admin cost [--users N] [--month YYYY-MM] [--json]
    fitctl admin replay [--from-seq N | --from-time T] [--to-seq N | --to-time T] [--user U] [--activity A]
                        [--failed-only] [--older-version] [--force] [--dry-run] [--json]
    fitctl admin dead-letters [--all] [--json]        fitctl admin redrive (ID ... | --all) [--json]
    fitctl admin migrate --legacy-dsn DSN [--table T ...] [--from-dir DIR --user UUID] [--user-map CSV |
                         --user-map-query SQL] [--no-analyze] [--write-back] [--dry-run] [--json]
    fitctl admin migrations [--json]

They need an operator's token: --token or $FITCOACH_TOKEN, else (dev stack) a dev operator token. Long
operations show a progress bar on stderr; --json prints the final summary as one JSON object on stdout.
Exit status 1 when a replay, re-drive or migration reports failed items.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from tqdm import tqdm

from .client import Gateway
from .config import ConfigError, Context
from .convert import json_line, to_plain

R = TypeVar("R", bound=Message)

# Long streams: a replay or a migration may run for a long while; the gateway's route has no deadline.
STREAM_TIMEOUT_S = 24 * 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """`7d`, `24h`, `30m`, `90s` or plain seconds → seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 7d, 24h, 30m or 90s")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time (UTC when no offset is given), or a duration meaning that long ago (`2h`)."""
    if _DURATION.match(text):
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=parse_duration(text))
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither an ISO time nor a duration like 2h") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = subparsers.add_parser(
        "admin",
        help="operators: replay, dead letters, legacy migration, stats, cost",
        description=__doc__.split("\n\n")[2] if __doc__ else None,
    )
    commands = admin.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)

    stats = commands.add_parser("stats", help="the pipeline dashboard")
    stats.add_argument("--window", type=parse_duration, default=7 * 86400, metavar="D", help="e.g. 7d, 24h")
    stats.set_defaults(handler=run_stats)

    cost = commands.add_parser("cost", help="the month's R2 cost and a projection for N users")
    cost.add_argument("--users", type=int, default=1000, metavar="N", help="users to project for (1000)")
    cost.add_argument("--month", default="", metavar="YYYY-MM", help="default: this month")
    cost.set_defaults(handler=run_cost)

    replay = commands.add_parser("replay", help="reprocess upload events from the stream")
    start = replay.add_mutually_exclusive_group()
    start.add_argument("--from-seq", type=int, default=0, metavar="N", help="first stream sequence")
    start.add_argument(
        "--from-time", type=parse_time, metavar="T", help="ISO time, or e.g. 2h for 2 hours ago"
    )
    end = replay.add_mutually_exclusive_group()
    end.add_argument("--to-seq", type=int, default=0, metavar="N", help="last stream sequence (default: now)")
    end.add_argument("--to-time", type=parse_time, metavar="T", help="ISO time or duration ago")
    replay.add_argument("--user", action="append", default=[], metavar="UUID", help="only this user (repeat)")
    replay.add_argument("--activity", action="append", default=[], metavar="ID", help="only this activity")
    replay.add_argument("--failed-only", action="store_true", help="only activities whose analysis failed")
    replay.add_argument(
        "--older-version", action="store_true", help="only those analyzed by an older version"
    )
    replay.add_argument("--force", action="store_true", help="also those this analyzer version handled")
    replay.add_argument("--dry-run", action="store_true", help="only count what matches")
    replay.set_defaults(handler=run_replay)

    letters = commands.add_parser("dead-letters", help="list the events the analyzer gave up on")
    letters.add_argument("--all", action="store_true", help="include resolved ones")
    letters.set_defaults(handler=run_dead_letters)

    redrive = commands.add_parser("redrive", help="reprocess dead letters")
    redrive.add_argument("ids", nargs="*", type=int, metavar="ID")
    redrive.add_argument("--all", action="store_true", help="every unresolved dead letter")
    redrive.set_defaults(handler=run_redrive)

    migrate = commands.add_parser("migrate", help="copy legacy FIT files into the store as activities")
    migrate.add_argument("--legacy-dsn", default="", metavar="DSN", help="the legacy PostgreSQL database")
    migrate.add_argument(
        "--table", action="append", default=[], metavar="T", help="legacy table (activities)"
    )
    for column, default in (("id", "id"), ("user", "user_id"), ("path", "fit_file_path"),
                            ("content", "fit_file_content")):  # fmt: skip
        migrate.add_argument(f"--{column}-column", default="", metavar="C", help=f"default {default}")
    migrate.add_argument(
        "--from-dir", default="", metavar="DIR", help="a folder of files (read by the server)"
    )
    migrate.add_argument("--user", default="", metavar="UUID", help="owner of the --from-dir files")
    migrate.add_argument(
        "--files-root", default="", metavar="DIR", help="base of relative fit_file_path values"
    )
    migrate.add_argument("--user-map", type=Path, metavar="CSV", help="legacy_user_id,user_id lines")
    migrate.add_argument("--user-map-query", default="", metavar="SQL", help="or a query on the legacy db")
    migrate.add_argument("--no-analyze", action="store_true", help="do not queue the analyses")
    migrate.add_argument("--write-back", action="store_true", help="write key/status/checksum to legacy rows")
    migrate.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    migrate.add_argument("--parallelism", type=int, default=0, metavar="N", help="files at once (8)")
    migrate.set_defaults(handler=run_migrate)

    runs = commands.add_parser("migrations", help="recent migration runs and their reports")
    runs.add_argument("--limit", type=int, default=20, metavar="N")
    runs.set_defaults(handler=run_migrations)

    for command in commands.choices.values():
        command.add_argument("--json", action="store_true", help="print the result as one JSON object")


# ------------------------------------------------------------------------------------------------ helpers


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h" if value < 2 * 86400 else f"{value / 86400:.1f} days"


def _bytes(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


async def _ask(ctx: Context, rpc: str, request: Message, answer: type[R]) -> R:
    """One unary OpsService call, as the operator."""
    async with Gateway(ctx.gateway(), ctx.operator_token()) as gateway:
        return await gateway.call(getattr(gateway.ops, rpc), request, answer)


async def _show(
    ctx: Context, rpc: str, request: Message, answer: type[R], text: Callable[[R], str], as_json: bool
) -> int:
    """Ask OpsService once and print the answer, as text or as one JSON line."""
    reply = await _ask(ctx, rpc, request, answer)
    print(json_line(to_plain(reply)) if as_json else text(reply))
    return 0


async def _follow(
    ctx: Context,
    rpc: str,
    request: Any,
    *,
    unit: str,
    position: Callable[[Any], tuple[int, int]],
    describe: Callable[[Any], str],
) -> Any:
    """Call OpsService's streaming `rpc` and show a progress bar over its progress messages (`position` →
    (done, total)) while it runs; returns the final message."""
    async with Gateway(ctx.gateway(), ctx.operator_token()) as gateway:
        stream = getattr(gateway.ops, rpc)(request, metadata=gateway.metadata, timeout=STREAM_TIMEOUT_S)
        bar = tqdm(
            total=0,
            unit=unit,
            file=sys.stderr,
            leave=False,
            disable=not sys.stderr.isatty(),
            dynamic_ncols=True,
        )
        last = None
        try:
            async for reply in stream:
                last = reply.progress
                bar.n, total = position(last)
                if total != bar.total:
                    bar.total = total
                bar.set_postfix_str(describe(last), refresh=False)
                bar.refresh()
        finally:
            bar.close()
    if last is None or not last.final:
        raise ConfigError("the stream ended without a final report (the server stopped?); run it again")
    return last


def replay_position(p: ops_pb.ReplayProgress) -> tuple[int, int]:
    return p.done + p.skipped + p.failed, p.matched


def migration_position(p: ops_pb.MigrationProgress) -> tuple[int, int]:
    return p.done, p.total


def _run(coro: Any) -> int:
    return int(asyncio.run(coro))


# ------------------------------------------------------------------------------------------------ stats


def stats_text(stats: ops_pb.GetPipelineStatsResponse) -> str:
    window = stats.window.ToTimedelta()
    lines = [f"pipeline over the last {_seconds(window.total_seconds())} (analyzer {stats.analyzer_version})"]
    lines.append(f"  {'status':<11} {'count':>8} {'avg KB':>9}")
    lines += [f"  {s.status:<11} {s.count:>8} {s.avg_size_kb:>9.1f}" for s in stats.statuses]
    for label, delay in (
        ("analysis delay (analyzed − uploaded)", stats.analysis_delay),
        ("  uploaded → analysis start", stats.queue_delay),
        ("  analysis", stats.analysis_time),
        ("  analyzed → advice", stats.advice_time),
    ):
        lines.append(
            f"  {label:<38} n={delay.count:<6} avg {_seconds(delay.avg_s):>8}  p50 {_seconds(delay.p50_s):>8}"
            f"  p95 {_seconds(delay.p95_s):>8}  max {_seconds(delay.max_s):>8}"
        )
    q = stats.queue
    lines.append(
        f"  queue ({q.consumer}): {q.pending} pending, {q.ack_pending} in progress, {q.redelivered} redelivered;"
        f" stream holds {q.stream_messages} events (last sequence {q.stream_last_sequence})"
    )
    lines.append(
        f"  outbox backlog {stats.outbox_backlog} (oldest {_seconds(stats.outbox_oldest_age_s)}), "
        f"dead letters {stats.dead_letters}, stored {stats.stored_objects} objects / {_bytes(stats.stored_bytes)}"
    )
    if stats.top_failures:
        lines.append("  top failure reasons:")
        lines += [f"  {f.count:>6}  {f.reason}" for f in stats.top_failures]
    return "\n".join(lines)


async def _stats(ctx: Context, args: argparse.Namespace) -> int:
    window = Duration()
    window.FromTimedelta(dt.timedelta(seconds=args.window))
    request = ops_pb.GetPipelineStatsRequest(window=window)
    return await _show(
        ctx, "GetPipelineStats", request, ops_pb.GetPipelineStatsResponse, stats_text, args.json
    )


def run_stats(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_stats(ctx, args))


# ------------------------------------------------------------------------------------------------- cost


def cost_text(cost: ops_pb.GetStorageCostResponse) -> str:
    p, u, n = cost.prices, cost.usage, cost.projection
    return "\n".join(
        [
            f"R2 cost for {cost.month} (${p.storage_gb_month}/GB-month, ${p.class_a_per_million:.2f} per million"
            f" Class A, ${p.class_b_per_million:.2f} per million Class B, egress free)",
            f"  stored now: {u.stored_objects} objects, {_bytes(u.stored_bytes)}; {u.gb_months_to_date:.4f}"
            f" GB-months so far, {u.gb_months_projected:.4f} by month end → storage ${u.storage_cost:.4f}",
            f"  operations: Class A {u.class_a_operations} (${u.class_a_cost:.4f}), Class B {u.class_b_operations}"
            f" (${u.class_b_cost:.4f}), free {u.free_operations}",
            f"  this month: ${u.total_cost:.4f}",
            f"projection for {n.users:,} users ({n.uploads_per_user:g} uploads, {n.downloads_per_user:g} downloads"
            f" per user per month, {n.stored_mb_per_user:g} MB stored each):",
            f"  storage ${n.storage_cost:.2f}   uploads ${n.upload_cost:.2f}   downloads ${n.download_cost:.2f}"
            f"   total ${n.total_cost:.2f} per month",
            f"  (measured here: {n.measured_stored_mb_per_user:.2f} MB stored and"
            f" {n.measured_uploads_per_user:.1f} uploads this month per uploading user)",
        ]
    )


async def _cost(ctx: Context, args: argparse.Namespace) -> int:
    request = ops_pb.GetStorageCostRequest(users=args.users, month=args.month)
    return await _show(ctx, "GetStorageCost", request, ops_pb.GetStorageCostResponse, cost_text, args.json)


def run_cost(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_cost(ctx, args))


# ----------------------------------------------------------------------------------------------- replay


def replay_postfix(p: ops_pb.ReplayProgress) -> str:
    eta = f", eta {_seconds(p.eta_s)}" if p.eta_s else ""
    return f"done {p.done}, skipped {p.skipped}, failed {p.failed}, {p.rate_per_s:.1f}/s{eta}"


def replay_text(p: ops_pb.ReplayProgress, what: str) -> str:
    lines = [
        f"{what} {p.replay_id}{' (dry run: nothing changed)' if p.dry_run else ''}: "
        f"{p.scanned} events read (sequences {p.first_sequence}–{p.last_sequence}), {p.matched} activities matched",
        f"  {'would be reprocessed' if p.dry_run else 'reprocessed'} {p.done if not p.dry_run else p.matched - p.skipped},"
        f" skipped {p.skipped} (already current), failed {p.failed}, advice asked again {p.advice_requested},"
        f" {_seconds(p.elapsed_s)}",
    ]
    lines += [f"  failed {f.activity_id} (seq {f.sequence}): {f.reason}" for f in p.failures]
    return "\n".join(lines)


async def _replay(ctx: Context, args: argparse.Namespace) -> int:
    request = ops_pb.ReplayRequest(
        start_sequence=args.from_seq,
        end_sequence=args.to_seq,
        start_time=args.from_time,  # aware datetimes (parse_time) or None: unset
        end_time=args.to_time,
        user_ids=args.user,
        activity_ids=args.activity,
        failed_only=args.failed_only,
        older_version_only=args.older_version,
        force=args.force,
        dry_run=args.dry_run,
    )
    return await _reprocess(ctx, "Replay", request, args.json)


async def _reprocess(ctx: Context, rpc: str, request: Any, as_json: bool) -> int:
    """Replay or RedriveDeadLetters: follow the progress, print the summary; 1 when some failed."""
    final = await _follow(ctx, rpc, request, unit="act", position=replay_position, describe=replay_postfix)
    print(
        json_line(to_plain(final))
        if as_json
        else replay_text(final, "replay" if rpc == "Replay" else "re-drive")
    )
    return 1 if final.failed else 0


def run_replay(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_replay(ctx, args))


async def _dead_letters(ctx: Context, args: argparse.Namespace) -> int:
    letters: list[ops_pb.DeadLetter] = []
    token = ""
    async with Gateway(ctx.gateway(), ctx.operator_token()) as gateway:
        while True:
            request = ops_pb.ListDeadLettersRequest(
                page_size=500, page_token=token, include_resolved=args.all
            )
            page = await gateway.call(gateway.ops.ListDeadLetters, request, ops_pb.ListDeadLettersResponse)
            letters += page.dead_letters
            token = page.next_page_token
            if not token:
                break
    if args.json:
        print(json_line({"unresolved": page.unresolved, "dead_letters": [to_plain(d) for d in letters]}))
        return 0
    if not letters:
        print("no dead letters")
    for d in letters:
        state = f"resolved ({d.resolution})" if d.HasField("resolved_at") else "unresolved"
        print(
            f"{d.id:>6}  seq {d.stream_sequence:<8} {d.activity_id or '-':<36} x{d.num_delivered}  {state}\n"
            f"        {d.error}"
        )
    return 0


def run_dead_letters(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_dead_letters(ctx, args))


async def _redrive(ctx: Context, args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        raise ConfigError("name dead letter ids, or --all")
    request = ops_pb.RedriveDeadLettersRequest(ids=args.ids, all=args.all)
    return await _reprocess(ctx, "RedriveDeadLetters", request, args.json)


def run_redrive(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_redrive(ctx, args))


# ---------------------------------------------------------------------------------------------- migrate


def migration_postfix(p: ops_pb.MigrationProgress) -> str:
    eta = f", eta {_seconds(p.eta_s)}" if p.eta_s else ""
    return f"migrated {p.migrated}, already {p.already_migrated}, dup {p.duplicates}, failed {p.failed}{eta}"


def migration_text(p: ops_pb.MigrationProgress) -> str:
    verb = "would migrate" if p.dry_run else "migrated"
    lines = [
        f"migration {p.run_id}{' (dry run: nothing written)' if p.dry_run else ''}: {p.total} legacy files in"
        f" {_seconds(p.elapsed_s)}",
        f"  {verb} {p.migrated} ({_bytes(p.bytes)}), already there {p.already_migrated}, duplicates linked"
        f" {p.duplicates}, failed {p.failed}, analyses queued {p.queued}",
    ]
    if p.dry_run is False and p.migrated == 0 and p.failed == 0:
        lines.append("  nothing to migrate: every file is already there")
    lines += [f"  failed {f.source} id {f.legacy_id}: {f.reason}" for f in p.failures]
    return "\n".join(lines)


def migrate_request(args: argparse.Namespace) -> ops_pb.MigrateLegacyRequest:
    if args.from_dir and not args.user:
        raise ConfigError("--from-dir needs --user UUID, the owner of its files")
    if args.user_map and args.user_map_query:
        raise ConfigError("give --user-map or --user-map-query, not both")
    columns = {f"{c}_column": getattr(args, f"{c}_column") for c in ("id", "user", "path", "content")}
    tables = [ops_pb.LegacyTable(name=name, **columns) for name in args.table]
    if not tables and any(columns.values()):
        tables = [ops_pb.LegacyTable(name="activities", **columns)]
    request = ops_pb.MigrateLegacyRequest(
        legacy_dsn=args.legacy_dsn,
        tables=tables,
        # The upload service reads the folder: under `make run` it shares this machine's file system.
        from_dir=str(Path(args.from_dir).resolve()) if args.from_dir else "",
        from_dir_user_id=args.user,
        files_root=str(Path(args.files_root).resolve()) if args.files_root else "",
        user_map_csv=args.user_map.read_text(encoding="utf-8") if args.user_map else "",
        user_map_query=args.user_map_query,
        no_analyze=args.no_analyze,
        write_back=args.write_back,
        dry_run=args.dry_run,
        parallelism=args.parallelism,
    )
    return request


async def _migrate(ctx: Context, request: ops_pb.MigrateLegacyRequest, as_json: bool) -> int:
    final = await _follow(
        ctx, "MigrateLegacy", request, unit="file", position=migration_position, describe=migration_postfix
    )
    print(json_line(to_plain(final)) if as_json else migration_text(final))
    return 1 if final.failed else 0


def run_migrate(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_migrate(ctx, migrate_request(args), args.json))


async def _migrations(ctx: Context, args: argparse.Namespace) -> int:
    request = ops_pb.ListMigrationRunsRequest(page_size=args.limit)
    runs = await _ask(ctx, "ListMigrationRuns", request, ops_pb.ListMigrationRunsResponse)
    if args.json:
        print(json_line({"runs": [to_plain(r) for r in runs.runs]}))
        return 0
    if not runs.runs:
        print("no migration runs yet")
    for run in runs.runs:
        r = run.report
        print(
            f"{run.started_at.ToDatetime():%Y-%m-%d %H:%M:%S}Z  {run.state:<11} {run.run_id}  by {run.operator_id}\n"
            f"    {run.source}\n    {r.done}/{r.total}: migrated {r.migrated}, already {r.already_migrated},"
            f" duplicates {r.duplicates}, failed {r.failed}{' (dry run)' if r.dry_run else ''}"
        )
    return 0


def run_migrations(ctx: Context, args: argparse.Namespace) -> int:
    return _run(_migrations(ctx, args))
