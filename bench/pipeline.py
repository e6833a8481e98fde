"""Upload → analyzed latency and throughput through the whole running system, and where its CPU goes.

    .venv/bin/python bench/pipeline.py [--curve 1,8,32,64] [-n 64] [--file NAME] [--gateway URL]

For each concurrency of the curve, uploads N fixture files (cycling through real device files) as fresh
activities of fresh users (duplicates are per user, so each one is really analyzed), the way `fitctl upload` does (CreateUpload →
presigned PUT → CompleteUpload), and follows WatchActivity until each is analyzed with its advice settled.
Prints per concurrency: throughput, percentiles of complete→analyzed and complete→advice, how many uploads
were lost (failed or never settled), and the CPU each part of the stack spent per upload (/proc, see
proc_cpu.py). Also prints the machine's load (other work on the same cores skews every figure), the in-process
`analyze()` time of the same files, and the ratio against FitTrackee 1.3.6 as a quoted baseline.

With `--gateway` it uses a running `make run` stack (reading `.fitcoach/stack.env`); without, it starts its
own Stack in a temporary folder (durable PostgreSQL, as deployed) and stops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import proc_cpu
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_analysis import analyze
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer
from fitcoach_runtime.settings import supabase_issuer
from fitcoach_stack.fixtures import FIT as FIXTURES

# Real device files of ordinary size (the synthetic 100k-record stress file would dominate every figure).
FILES = [
    "run-fenix2-gps-hr.fit",
    "cycle-edge810-vector-power.fit",
    "cycle-indoor-trainer-edge800.fit",
    "run-stryd-power-devfields.fit",
    "row-indoor-vivoactive-hr.fit",
    "cycle-zwift-virtual.fit",
]
# FitTrackee 1.3.6 measured on the same kind of 2-core machine (a quoted baseline, not run here): one 122 KB
# run uploaded at a time, from the upload request to the workout shown.
FITTRACKEE = {"uploads_per_s": 0.97, "p50_ms": 1022.0, "file": "a 122 KB run"}
SETTLE_TIMEOUT_S = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Run:
    concurrency: int
    uploads: int
    wall_s: float = 0.0
    analyzed_s: list[float] = field(default_factory=list)
    advised_s: list[float] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return len(self.advised_s) / self.wall_s if self.wall_s else 0.0


async def one_upload(
    channel: grpc.aio.Channel, http: httpx.AsyncClient, token: str, data: bytes, name: str
) -> tuple[float, float]:
    uploads, activities = up_grpc.UploadServiceStub(channel), act_grpc.ActivityServiceStub(channel)
    created = await uploads.CreateUpload(
        up_pb.CreateUploadRequest(
            file_name=name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
        ),
        metadata=bearer(token),
        timeout=30,
    )
    response = await http.put(created.upload_url, content=data, headers=dict(created.upload_headers))
    response.raise_for_status()
    await uploads.CompleteUpload(
        up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(token), timeout=30
    )
    completed = time.perf_counter()
    analyzed_at = None
    async for change in activities.WatchActivity(
        act_pb.WatchActivityRequest(activity_id=created.activity_id),
        metadata=bearer(token),
        timeout=SETTLE_TIMEOUT_S,
    ):
        if change.status == act_pb.ACTIVITY_STATUS_FAILED:
            raise RuntimeError(f"{name} failed: {change.failure_reason}")
        if change.status == act_pb.ACTIVITY_STATUS_ANALYZED and analyzed_at is None:
            analyzed_at = time.perf_counter()
        if change.advice_status in (act_pb.ADVICE_STATUS_READY, act_pb.ADVICE_STATUS_FAILED):
            break
    else:
        raise RuntimeError(f"{name}: the watch ended before the advice settled")
    done = time.perf_counter()
    return (analyzed_at or done) - completed, done - completed


async def run(
    gateway: str, token_for: Callable[[str], str], files: list[str], n: int, concurrency: int, root: int
) -> Run:
    payloads = [(files[i % len(files)], (FIXTURES / files[i % len(files)]).read_bytes()) for i in range(n)]
    # Duplicates are detected per user: every upload gets its own user so each one is really analysed.
    tokens = [token_for(str(uuid.uuid4())) for _ in range(n)]
    limit = asyncio.Semaphore(concurrency)
    result = Run(concurrency, n)

    async with (
        grpc.aio.insecure_channel(gateway.removeprefix("http://")) as channel,
        httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http,
    ):

        async def bounded(i: int) -> None:
            name, data = payloads[i]
            async with limit:
                try:
                    analyzed, advised = await one_upload(channel, http, tokens[i], data, name)
                except Exception as exc:  # counted as lost, and the run goes on
                    result.lost.append(f"{name}: {type(exc).__name__}: {exc}")
                    return
            result.analyzed_s.append(analyzed)
            result.advised_s.append(advised)

        before = proc_cpu.snapshot(root)
        started = time.perf_counter()
        await asyncio.gather(*(bounded(i) for i in range(n)))
        result.wall_s = time.perf_counter() - started
        result.cpu_s = proc_cpu.delta(before, proc_cpu.snapshot(root))
    return result


def report(
    runs: list[Run], files: list[str], load_before: tuple[float, ...], load_after: tuple[float, ...]
) -> None:
    cores = len(os.sched_getaffinity(0))
    sizes = [len((FIXTURES / f).read_bytes()) for f in files]
    print(f"machine: {cores} cores; load average before {load_before[0]:.2f} / {load_before[1]:.2f} (1/5 min),"
          f" after {load_after[0]:.2f} / {load_after[1]:.2f}")  # fmt: skip
    print(f"files: {', '.join(files)} ({min(sizes) // 1000}–{max(sizes) // 1000} KB)")
    print()
    print(
        "| concurrency | uploads | lost | uploads/s | complete→analyzed p50 / p99 | complete→advice p50 / p99 |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for r in runs:
        if not r.analyzed_s:
            print(f"| {r.concurrency} | {r.uploads} | {len(r.lost)} | – | – | – |")
            continue
        a, d = r.analyzed_s, r.advised_s
        print(
            f"| {r.concurrency} | {r.uploads} | {len(r.lost)} | {r.per_s:.1f} "
            f"| {percentile(a, 0.5) * 1000:.0f} / {percentile(a, 0.99) * 1000:.0f} ms "
            f"| {percentile(d, 0.5) * 1000:.0f} / {percentile(d, 0.99) * 1000:.0f} ms |"
        )
    print()
    parts = sorted({p for r in runs for p in r.cpu_s}, key=lambda p: -max(r.cpu_s.get(p, 0) for r in runs))
    print("CPU per upload (ms), by part of the stack:")
    print("| part | " + " | ".join(f"c={r.concurrency}" for r in runs) + " |")
    print("| --- |" + " --- |" * len(runs))
    for part in parts:
        cells = " | ".join(f"{1000 * r.cpu_s.get(part, 0.0) / r.uploads:.1f}" for r in runs)
        print(f"| {part} | {cells} |")
    totals = " | ".join(f"**{1000 * sum(r.cpu_s.values()) / r.uploads:.1f}**" for r in runs)
    print(f"| **all** | {totals} |")
    stack = [sum(v for k, v in r.cpu_s.items() if k != proc_cpu.LOAD_GENERATOR) / r.uploads for r in runs]
    print("| the stack without the load generator | " + " | ".join(f"{1000 * c:.1f}" for c in stack) + " |")
    # What the cores could carry if FitCoach had them to itself, at the CPU each upload took in this run.
    print(
        "| uploads/s the cores could carry at that CPU | "
        + " | ".join(f"{cores / c:.0f}" for c in stack)
        + " |"
    )
    busy = " | ".join(f"{sum(r.cpu_s.values()) / r.wall_s / cores:.0%}" for r in runs)
    print(f"| cores busy | {busy} |")
    for r in runs:
        for line in r.lost[:5]:
            print(f"  lost at concurrency {r.concurrency}: {line}")

    datas = [(FIXTURES / name).read_bytes() for name in files]
    for data in datas:  # the library's first call pays its imports and caches: not part of the figure
        analyze(data)
    cpu_before = time.process_time()
    for data in datas * 3:
        analyze(data)
    baseline_ms = (time.process_time() - cpu_before) / (3 * len(datas)) * 1000
    print(f"\nin-process analyze() of the same files (warm, CPU): {baseline_ms:.1f} ms per file")
    ones = [r for r in runs if r.concurrency == 1 and r.analyzed_s]
    best = max(runs, key=lambda r: r.per_s)
    print(f"FitTrackee 1.3.6 (quoted baseline, {FITTRACKEE['file']}, same kind of machine): "
          f"{FITTRACKEE['uploads_per_s']} uploads/s, p50 {FITTRACKEE['p50_ms']:.0f} ms")  # fmt: skip
    if ones:
        p50 = percentile(ones[0].advised_s, 0.5) * 1000
        print(f"  one at a time, complete→advice p50 {p50:.0f} ms: {FITTRACKEE['p50_ms'] / p50:.0f}× faster")
    print(f"  throughput {best.per_s:.1f} uploads/s (concurrency {best.concurrency}): "
          f"{best.per_s / FITTRACKEE['uploads_per_s']:.0f}× FitTrackee's")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=64, help="uploads per concurrency level")
    parser.add_argument("--curve", default="1,8,32,64", help="concurrency levels, comma-separated")
    parser.add_argument("--file", action="append", help="fixture file(s) to upload (default: six real files)")
    parser.add_argument("--gateway", help="a running stack's gateway URL (default: start a private one)")
    args = parser.parse_args()
    files = args.file or FILES
    levels = [int(c) for c in args.curve.split(",")]
    with ExitStack() as resources:
        if args.gateway:
            from fitcoach_stack.stack import read_env_file

            values = read_env_file(Path(".fitcoach/stack.env"))
            secret, issuer = values["SUPABASE_JWT_SECRET"], supabase_issuer(values["SUPABASE_URL"])
            gateway, root = args.gateway, int(values["FITCOACH_STACK_PID"])

            def token_for(user: str) -> str:
                return mint_dev_token(secret, issuer=issuer, user_id=user)
        else:
            from fitcoach_stack.stack import Stack

            folder = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="fitcoach-bench-")))
            stack = resources.enter_context(Stack(folder))  # external servers if their URLs are set
            gateway, token_for, root = stack.gateway_url, stack.token, os.getpid()
        asyncio.run(
            run(gateway, token_for, files, 4, 2, root)
        )  # warm-up: connections, caches, JIT-less paths
        load_before = os.getloadavg()
        runs = [asyncio.run(run(gateway, token_for, files, args.n, c, root)) for c in levels]
        report(runs, files, load_before, os.getloadavg())


if __name__ == "__main__":
    main()
