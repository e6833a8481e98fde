"""`fitctl upload`: hash → CreateUpload → PUT the bytes to the presigned URL → CompleteUpload → (--wait) follow
WatchActivity to a final state and fetch the analysis.

Files run concurrently (--jobs); each file ends in one result, and one file failing never stops the others.
The presigned URL is a bearer credential: it is never printed, and error text is scrubbed of it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
from tqdm import tqdm

from .client import RETRYABLE, Gateway, describe_rpc_error
from .config import Context
from .convert import activity_dict, advice_status_name, is_final, json_line, status_name
from .files import find_fit_files
from .render import activity_text

CHUNK_BYTES = 256 * 1024
PUT_ATTEMPTS = 3
PUT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
DEFAULT_WAIT_S = 600.0
DEFAULT_JOBS = 4
REOPEN_PAUSE_S = 0.5  # before reopening a watch stream that ended without a final state


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "upload",
        help="upload .fit files (folders are searched recursively)",
        description="Upload FIT files and, with --wait, print their metrics and coaching advice.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help=".fit files or folders holding them")
    parser.add_argument("--wait", action="store_true", help="follow each activity until analyzed or failed")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file per line")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_WAIT_S, metavar="S", help="seconds to wait per file (--wait)"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=DEFAULT_JOBS, metavar="N", help="files uploaded at once (default 4)"
    )
    parser.set_defaults(handler=run)


class PutError(Exception):
    """The object store refused or never answered the PUT."""


class WaitTimeout(Exception):
    """No final state within --timeout."""


@dataclass
class FileResult:
    """What happened to one local file; `as_dict` is the JSON line."""

    file: str
    activity_id: str | None = None
    status: str | None = None
    duplicate: bool = False
    stage: str | None = None  # where it stopped, when it failed: read, create, put, complete, wait, analysis
    error: str | None = None
    activity: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None or self.status == "failed"

    def as_dict(self) -> dict[str, Any]:
        """The JSON line: what happened to the file first, then the activity as `fitctl show` describes it."""
        analysis = self.activity or {}
        out: dict[str, Any] = {
            "activity_id": self.activity_id,
            "file": self.file,
            "status": self.status,
            "duplicate": self.duplicate,
            "stage": self.stage,
            "error": self.error,
            "advice_status": analysis.get("advice_status"),
            "metrics": analysis.get("metrics"),
            "sessions": analysis.get("sessions"),
            "advice": analysis.get("advice"),
            "seconds": round(self.seconds, 3),
        }
        for key, value in analysis.items():
            out.setdefault(key if key != "file" else "file_name", value)
        return out


class EmptyFile(Exception):
    """The file has no bytes at all."""


def fingerprint(path: Path) -> tuple[int, str]:
    """Size and lower-case hex SHA-256, from one open file (so both describe the same bytes)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return size, hashlib.file_digest(handle, "sha256").hexdigest()


class Progress:
    """One byte-count bar over all files on stderr (concurrent per-file bars garble a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = (
            tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="upload",
                file=sys.stderr,
                leave=False,
            )
            if enabled
            else None
        )

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def status(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def emit(self, text: str) -> None:
        """Print to stdout without tearing the bar."""
        if self.bar is not None:
            self.bar.write(text, file=sys.stdout)
        else:
            print(text, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _redact(text: str, url: str) -> str:
    # Some transport errors quote the request URL; its query string is the signature.
    text = text.replace(url, "<upload-url>")
    query = url.partition("?")[2]
    return text.replace(query, "<signature>") if query else text


def _store_error(response: httpx.Response) -> str:
    # S3-compatible stores answer <Error><Code>SignatureDoesNotMatch</Code><Message>...</Message></Error>.
    code = re.search(r"<Code>([^<]*)</Code>", response.text or "")
    message = re.search(r"<Message>([^<]*)</Message>", response.text or "")
    parts = [f"HTTP {response.status_code}"] + [m.group(1) for m in (code, message) if m]
    return " ".join(parts)


async def put_file(
    http: httpx.AsyncClient, path: Path, url: str, headers: dict[str, str], size: int, progress: Progress
) -> None:
    """PUT the file to the presigned URL with exactly the headers CreateUpload returned (they are signed)."""
    send = dict(headers)
    if not any(key.lower() == "content-length" for key in send):
        # A streamed body would otherwise go out chunked, which presigned S3 PUTs refuse.
        send["Content-Length"] = str(size)
    for attempt in range(1, PUT_ATTEMPTS + 1):
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    sent += len(chunk)
                    progress.update(len(chunk))
                    yield chunk

        try:
            response = await http.put(url, content=body(), headers=send)
        except httpx.TransportError as exc:
            problem = _redact(f"{type(exc).__name__}: {exc}", url)
            retry = True
        else:
            if response.is_success:
                return
            problem = _store_error(response)
            retry = response.status_code >= 500  # 4xx (signature, size, expiry) will not heal by retrying
        progress.update(-sent)
        if not retry or attempt == PUT_ATTEMPTS:
            raise PutError(problem)
        await asyncio.sleep(0.5 * attempt)


async def wait_final(
    gateway: Gateway, activity_id: str, timeout_s: float, on_change: Callable[[str | None, str | None], None]
) -> tuple[str | None, str | None, str]:
    """Follow WatchActivity until a final state; a stream that ends early is reopened until the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last: tuple[str | None, str | None, str] = (None, None, "")
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise WaitTimeout(f"no final state after {timeout_s:g} s (last status: {last[0] or 'unknown'})")
        try:
            async for change in gateway.watch(activity_id, remaining):
                last = (
                    status_name(change.status),
                    advice_status_name(change.advice_status),
                    change.failure_reason,
                )
                on_change(last[0], last[1])
                if is_final(last[0], last[1]):
                    return last
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in RETRYABLE:
                raise
        await asyncio.sleep(min(REOPEN_PAUSE_S, max(0.0, deadline - loop.time())))


@dataclass
class Uploader:
    gateway: Gateway
    http: httpx.AsyncClient
    progress: Progress
    wait: bool
    timeout_s: float

    async def run(self, path: Path) -> FileResult:
        result = FileResult(file=str(path))
        started = time.perf_counter()
        try:
            await self._run(path, result)
        except grpc.aio.AioRpcError as exc:
            result.error = describe_rpc_error(exc)
        except (PutError, WaitTimeout, EmptyFile) as exc:
            result.error = str(exc)
        except OSError as exc:
            result.error = f"{exc.strerror or exc}"
        except Exception as exc:  # one broken file must not take the others down
            result.error = f"{type(exc).__name__}: {exc}"
        if result.error is not None:
            result.status = "failed" if result.status in (None, "pending", "uploaded") else result.status
        result.seconds = time.perf_counter() - started
        return result

    async def _run(self, path: Path, result: FileResult) -> None:
        result.stage = "read"
        size, digest = await asyncio.to_thread(fingerprint, path)
        if size == 0:
            # Nothing to upload: say so in the user's terms instead of the server's size check.
            raise EmptyFile("empty file (0 bytes): not a FIT file")

        result.stage = "create"
        created = await self.gateway.create_upload(path.name, size, digest)
        result.activity_id = created.activity_id
        result.duplicate = created.duplicate
        if created.duplicate:
            result.status = "duplicate"
            self.progress.update(size)
        else:
            result.status = "pending"
            result.stage = "put"
            await put_file(
                self.http, path, created.upload_url, dict(created.upload_headers), size, self.progress
            )
            result.stage = "complete"
            completed = await self.gateway.complete_upload(created.activity_id)
            result.status = (completed.status or "uploaded").lower().removeprefix("activity_status_")
        self.progress.status(f"{path.name}: {result.status}")

        if self.wait:
            result.stage = "wait"
            status, _, reason = await wait_final(
                self.gateway,
                created.activity_id,
                self.timeout_s,
                lambda s, a: self.progress.status(f"{path.name}: {s}" + (f", advice {a}" if a else "")),
            )
            activity = await self.gateway.get_activity(created.activity_id)
            result.activity = activity_dict(activity)
            result.status = result.activity["status"] or status
            if result.status == "failed":
                result.stage = "analysis"
                result.error = result.activity["error"] or reason or "analysis failed"
                return
        result.stage = None


async def upload_all(
    ctx: Context,
    paths: Sequence[str],
    *,
    wait: bool,
    as_json: bool,
    timeout_s: float,
    jobs: int,
    emit: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Upload every file; results are emitted as each file finishes and returned in completion order."""
    files, missing = find_fit_files(paths)
    # the same file twice would race itself into a duplicate: find_fit_files takes each file once
    results = [
        FileResult(file=raw, status="failed", stage="read", error="no such file or directory")
        for raw in missing
    ]
    if not files and not results:
        results.append(
            FileResult(file=" ".join(paths), status="failed", stage="read", error="no .fit files found")
        )
    total = sum(p.stat().st_size for p in files)
    progress = Progress(total, enabled=not as_json and sys.stderr.isatty())

    def show(result: FileResult) -> None:
        if emit is not None:
            emit(result)
        elif as_json:
            progress.emit(json_line(result.as_dict()))
        else:
            progress.emit(activity_text(result.as_dict()))

    for result in results:
        show(result)
    if not files:
        progress.close()
        return results

    gate = asyncio.Semaphore(max(1, jobs))
    try:
        async with (
            Gateway(ctx.gateway(), ctx.token()) as gateway,
            httpx.AsyncClient(timeout=PUT_TIMEOUT, follow_redirects=False) as http,
        ):
            uploader = Uploader(gateway, http, progress, wait, timeout_s)

            async def one(path: Path) -> FileResult:
                async with gate:
                    result = await uploader.run(path)
                show(result)
                return result

            results += await asyncio.gather(*(one(path) for path in files))
    finally:
        progress.close()
    return results


def run(ctx: Context, args: argparse.Namespace) -> int:
    results = asyncio.run(
        upload_all(ctx, args.paths, wait=args.wait, as_json=args.json, timeout_s=args.timeout, jobs=args.jobs)
    )
    return 1 if any(r.failed for r in results) else 0
