"""`fitctl show ID` and `fitctl list`: read the caller's activities through ActivityService."""

from __future__ import annotations

import argparse
import asyncio

from .client import Gateway
from .config import Context
from .convert import activity_dict, json_line
from .render import activity_text, list_table

DEFAULT_LIST_LIMIT = 20


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = subparsers.add_parser("show", help="one activity: metrics, sessions, laps, splits, advice")
    show.add_argument("activity_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print the activity as one JSON object")
    show.add_argument("--streams", action="store_true", help="with --json: include the chart time series")
    show.set_defaults(handler=run_show)

    listing = subparsers.add_parser("list", help="your activities, newest first")
    listing.add_argument(
        "--limit",
        "-n",
        type=int,
        default=DEFAULT_LIST_LIMIT,
        metavar="N",
        help="at most N (0: all; default 20)",
    )
    listing.add_argument("--json", action="store_true", help="print one JSON object per activity per line")
    listing.set_defaults(handler=run_list)


async def _show(ctx: Context, activity_id: str, as_json: bool, streams: bool) -> int:
    async with Gateway(ctx.gateway(), ctx.token()) as gateway:
        activity = await gateway.get_activity(activity_id)
    item = activity_dict(activity, full=True, streams=streams)
    print(json_line(item) if as_json else activity_text(item, details=True))
    return 1 if item["status"] == "failed" else 0


async def _list(ctx: Context, limit: int, as_json: bool) -> int:
    async with Gateway(ctx.gateway(), ctx.token()) as gateway:
        items = [activity_dict(a) async for a in gateway.list_activities(limit or None)]
    if as_json:
        for item in items:
            print(json_line(item))
    elif items:
        print(list_table(items))
    else:
        print("no activities yet: fitctl upload FILE.fit --wait")
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    return asyncio.run(_show(ctx, args.activity_id, args.json, args.streams))


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    return asyncio.run(_list(ctx, args.limit, args.json))
