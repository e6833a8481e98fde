"""Live latency during a replay: does reprocessing a few hundred activities starve fresh uploads?

    .venv/bin/python bench/replay_load.py [-n 12] [--activities 319]

Starts a private Stack, fills it with the generated legacy database's activities (migrated with their
analyses queued, and waits until all are analyzed), then measures a fresh upload's complete → analyzed
latency one upload at a time (the way bench/pipeline.py does): first with nothing else running, then while a
forced replay of every activity runs (each one really analyzed again: read from the store, decoded, stored).
The goal: during the replay the latency stays within 2× the unloaded one. The replay keeps running during
every measured upload (checked), and its own rate is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from pathlib import Path

import grpc
import httpx
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.stack import Stack
from migrate import legacy_database, migrate
from pipeline import FILES, FIXTURES, one_upload, percentile


async def seed(stack: Stack, root: Path, operator: tuple[tuple[str, str], ...]) -> int:
    """The legacy activities, migrated and analyzed; returns how many."""
    dsn, dataset = await legacy_database(stack, root)
    _elapsed, progress = await migrate(
        stack, ops_pb.MigrateLegacyRequest(legacy_dsn=dsn, user_map_csv=dataset.user_map_csv)
    )
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        ops = ops_grpc.OpsServiceStub(channel)
        while True:  # until the analyzer worked through the queue
            stats = await ops.GetPipelineStats(ops_pb.GetPipelineStatsRequest(), metadata=operator)
            busy = {s.status: s.count for s in stats.statuses}
            if not busy.get("uploaded") and not busy.get("analyzing") and stats.queue.pending == 0:
                return int(progress.migrated)
            await asyncio.sleep(1.0)


async def latencies(stack: Stack, n: int) -> list[float]:
    """complete → analyzed of `n` fresh uploads, one at a time, each by a new user."""
    files = [(FIXTURES / FILES[i % len(FILES)]) for i in range(n)]
    out = []
    async with (
        grpc.aio.insecure_channel(stack.gateway_address) as channel,
        httpx.AsyncClient(timeout=60) as http,
    ):
        for path in files:
            analyzed, _advised = await one_upload(
                channel, http, stack.token(str(uuid.uuid4())), path.read_bytes(), path.name
            )
            out.append(analyzed)
    return out


def line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<22} p50 {percentile(values, 0.5) * 1000:6.0f} ms   p90 {percentile(values, 0.9) * 1000:6.0f} ms"
        f"   max {max(values) * 1000:6.0f} ms"
    )


async def run(root: Path, n: int) -> None:
    with Stack(root / "stack") as stack:
        operator = bearer(stack.token(operator=True))
        seeded = await seed(stack, root, operator)
        await latencies(stack, 3)  # warm-up (first calls pay connection set-up)
        unloaded = await latencies(stack, n)

        async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
            stream = ops_grpc.OpsServiceStub(channel).Replay(
                ops_pb.ReplayRequest(force=True), metadata=operator
            )
            reports: list[ops_pb.ReplayProgress] = []
            running = asyncio.Event()

            async def follow() -> None:
                async for reply in stream:
                    reports.append(reply.progress)
                    if reply.progress.phase == ops_pb.REPLAY_PHASE_RUNNING:
                        running.set()

            replaying = asyncio.create_task(follow())
            await running.wait()
            loaded = await latencies(stack, n)
            still_running = not replaying.done()
            done_during = reports[-1].done
            await replaying
            final = reports[-1]
    print(f"replay under load: {seeded} activities in the stack, {n} fresh uploads measured one at a time")
    print(line("unloaded", unloaded))
    print(line("during a forced replay", loaded))
    ratio = percentile(loaded, 0.5) / percentile(unloaded, 0.5)
    print(f"  ratio p50 during / unloaded: {ratio:.2f}× (goal ≤ 2×)")
    print(
        f"  replay: {final.matched} activities, {final.done} analyzed again, {final.failed} failed,"
        f" {final.rate_per_s:.1f}/s over {final.elapsed_s:.1f} s; {done_during} done while measuring,"
        f" {'still running' if still_running else 'FINISHED EARLY'} at the last measured upload"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="fresh uploads measured in each phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitcoach-bench-replay-") as root:
        asyncio.run(run(Path(root), args.n))


if __name__ == "__main__":
    main()
