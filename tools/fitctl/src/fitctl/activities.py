"""`fitctl show ID`, `fitctl list`, `fitctl download ID` and `fitctl delete ID`: the caller's activities."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

import httpx

from .client import Gateway
from .config import ConfigError, Context
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

    download = subparsers.add_parser("download", help="save the original FIT file of an activity")
    download.add_argument("activity_id", metavar="ID")
    download.add_argument(
        "--output", "-o", metavar="PATH", help="file or folder to write (default: the original name, here)"
    )
    download.set_defaults(handler=run_download)

    delete = subparsers.add_parser(
        "delete", help="delete an activity for good (file, metrics, advice; the fitness trend forgets it)"
    )
    delete.add_argument("activity_id", metavar="ID", nargs="+")
    delete.set_defaults(handler=run_delete)


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


DOWNLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def _target_path(output: str | None, file_name: str) -> Path:
    # The name comes from the server (metadata the uploader chose): keep only its last path part.
    safe_name = Path(file_name.replace("\\", "/")).name or "activity.fit"
    if output is None:
        return Path(safe_name)
    path = Path(output)
    return path / safe_name if path.is_dir() else path


async def _download(ctx: Context, activity_id: str, output: str | None) -> int:
    async with Gateway(ctx.gateway(), ctx.token()) as gateway:
        activity = await gateway.get_activity(activity_id)
        link = await gateway.download_url(activity_id)
    target = _target_path(output, link.file_name)
    digest = hashlib.sha256()
    # Written beside the target and renamed at the end: an interrupted download never leaves a partial file.
    fd, tmp_name = tempfile.mkstemp(prefix=".fitctl-", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as out:
            async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT) as http:
                async with http.stream("GET", link.download_url) as response:
                    if response.status_code != 200:
                        raise ConfigError(f"the store answered HTTP {response.status_code} for the download")
                    async for chunk in response.aiter_bytes():
                        digest.update(chunk)
                        out.write(chunk)
        if activity.sha256 and digest.hexdigest() != activity.sha256:
            raise ConfigError("the downloaded file does not match its sha256; nothing was written")
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    print(target)
    return 0


async def _delete(ctx: Context, activity_ids: list[str]) -> int:
    async with Gateway(ctx.gateway(), ctx.token()) as gateway:
        for activity_id in activity_ids:
            deleted = await gateway.delete_activity(activity_id)
            print(f"{activity_id} {'deleted' if deleted else 'already gone'}")
    return 0


def run_download(ctx: Context, args: argparse.Namespace) -> int:
    return asyncio.run(_download(ctx, args.activity_id, args.output))


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    return asyncio.run(_delete(ctx, args.activity_id))
