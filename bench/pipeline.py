"""Upload → analyzed latency through the whole running system (gateway, services, real servers).

    .venv/bin/python bench/pipeline.py [-n 24] [--concurrency 8] [--gateway URL]

Uploads N fixture files (cycling through the valid ones, each made unique so nothing is a duplicate) as
fresh activities of one dev user, the way `fitctl upload` does (CreateUpload → presigned PUT →
CompleteUpload), and follows WatchActivity until each is analyzed with its advice settled. Prints
percentiles of complete→analyzed and complete→advice-ready latency, and throughput. With `--gateway` it uses
a running `make run` stack (reading `.fitcoach/stack.env` for the dev secret); without, it starts its own
Stack in a temporary folder and stops it afterwards.

The baseline printed beside it is the same files analysed in-process by `fitcoach_analysis.analyze` (no
network, no queue, no storage): the ratio shows what the pipeline's plumbing costs on top of the analysis.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import grpc
import httpx
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.activity.v1 import activity_service_pb2_grpc as act_grpc
from fitcoach.upload.v1 import upload_service_pb2 as up_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as up_grpc
from fitcoach_analysis import analyze
from fitcoach_runtime.auth import mint_dev_token
from fitcoach_runtime.grpc_client import bearer
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def one_upload(channel: grpc.aio.Channel, token: str, data: bytes, name: str) -> tuple[float, float]:
    uploads, activities = up_grpc.UploadServiceStub(channel), act_grpc.ActivityServiceStub(channel)
    created = await uploads.CreateUpload(
        up_pb.CreateUploadRequest(
            file_name=name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
        ),
        metadata=bearer(token),
        timeout=30,
    )
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.put(created.upload_url, content=data, headers=dict(created.upload_headers))
        response.raise_for_status()
    await uploads.CompleteUpload(
        up_pb.CompleteUploadRequest(activity_id=created.activity_id), metadata=bearer(token), timeout=30
    )
    completed = time.perf_counter()
    analyzed_at = None
    async for change in activities.WatchActivity(
        act_pb.WatchActivityRequest(activity_id=created.activity_id), metadata=bearer(token), timeout=300
    ):
        if change.status == act_pb.ACTIVITY_STATUS_FAILED:
            raise RuntimeError(f"{name} failed: {change.failure_reason}")
        if change.status == act_pb.ACTIVITY_STATUS_ANALYZED and analyzed_at is None:
            analyzed_at = time.perf_counter()
        if change.advice_status in (act_pb.ADVICE_STATUS_READY, act_pb.ADVICE_STATUS_FAILED):
            break
    done = time.perf_counter()
    return (analyzed_at or done) - completed, done - completed


async def run(gateway: str, token_for: object, n: int, concurrency: int) -> None:
    files = [(FIXTURES / FILES[i % len(FILES)]) for i in range(n)]
    payloads = [(p.name, p.read_bytes()) for p in files]
    # Duplicates are detected per user: every upload gets its own user so each one is really analysed.
    tokens = [token_for(str(uuid.uuid4())) for _ in range(n)]  # type: ignore[operator]
    limit = asyncio.Semaphore(concurrency)
    address = gateway.removeprefix("http://")

    async with grpc.aio.insecure_channel(address) as channel:

        async def bounded(i: int) -> tuple[float, float]:
            async with limit:
                name, data = payloads[i]
                return await one_upload(channel, tokens[i], data, name)

        started = time.perf_counter()
        results = await asyncio.gather(*(bounded(i) for i in range(n)))
        wall = time.perf_counter() - started

    analyzed = [r[0] for r in results]
    advised = [r[1] for r in results]
    megabytes = sum(len(d) for _, d in payloads) / 1e6

    baseline_started = time.perf_counter()
    for _, data in payloads:
        analyze(data)
    baseline = (time.perf_counter() - baseline_started) / n

    print(
        f"pipeline: {n} uploads ({megabytes:.1f} MB), concurrency {concurrency}, wall {wall:.2f} s, {n / wall:.1f} uploads/s"
    )
    for label, values in (("complete→analyzed", analyzed), ("complete→advice ready", advised)):
        print(
            f"  {label:<22} p50 {percentile(values, 0.5) * 1000:7.0f} ms   p90 {percentile(values, 0.9) * 1000:7.0f} ms"
            f"   p99 {percentile(values, 0.99) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
        )
    print(f"  baseline: in-process analyze() {baseline * 1000:.0f} ms per file (same files, no pipeline)")
    print(
        f"  ratio: pipeline p50 complete→analyzed / in-process analyze = {statistics.median(analyzed) / baseline:.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--gateway", help="a running stack's gateway URL (default: start a private one)")
    args = parser.parse_args()
    with ExitStack() as resources:
        if args.gateway:
            env_file = Path(".fitcoach/stack.env")
            values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
            secret, issuer = values["SUPABASE_JWT_SECRET"], values["SUPABASE_URL"].rstrip("/") + "/auth/v1"
            gateway = args.gateway

            def token_for(user: str) -> str:
                return mint_dev_token(secret, issuer=issuer, user_id=user)
        else:
            from fitcoach_stack.stack import Stack

            root = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="fitcoach-bench-")))
            stack = resources.enter_context(Stack(root))  # external servers if their URLs are set
            gateway = stack.gateway_url
            token_for = stack.token
        asyncio.run(run(gateway, token_for, args.n, args.concurrency))


if __name__ == "__main__":
    main()
