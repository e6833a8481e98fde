"""Legacy migration at the original design's scale: 330 files, about 46 MB, through the running system.

    .venv/bin/python bench/migrate.py [--parallelism 8] [--no-analyze]

Starts a private Stack (PostgreSQL, NATS, SeaweedFS, Envoy, the three services) in a temporary folder,
generates the legacy database (fitcoach_stack.legacy_db: gzip, zlib and raw bytea, files on disk, a missing
file, corrupt compression, duplicates, unmapped users) in the same PostgreSQL, and times
OpsService.MigrateLegacy through the gateway: every file decompressed, hashed, stored, verified (HEAD) and
created as an activity with its analysis queued. Then times a second run (idempotent: nothing to migrate).

The baseline beside it is the same work without any of FitCoach's plumbing: decompress and sha256 every file
in-process — what the migration's own CPU work costs.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import tempfile
import time
import zlib
from pathlib import Path

import grpc
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as ops_grpc
from fitcoach_runtime.grpc_client import bearer
from fitcoach_stack.legacy_db import LegacyDataset, create_legacy_database
from fitcoach_stack.stack import Stack


async def legacy_database(stack: Stack, root: Path) -> tuple[str, LegacyDataset]:
    """The generated legacy database in the stack's PostgreSQL (its files under `root`): (its DSN, the dataset)."""
    assert stack.postgres is not None
    dsn = stack.postgres.create_database("legacy")
    return dsn, await create_legacy_database(dsn, root / "legacy-files")


async def migrate(
    stack: Stack, request: ops_pb.MigrateLegacyRequest
) -> tuple[float, ops_pb.MigrationProgress]:
    token = stack.token(operator=True)
    async with grpc.aio.insecure_channel(stack.gateway_address) as channel:
        started = time.perf_counter()
        last = None
        async for reply in ops_grpc.OpsServiceStub(channel).MigrateLegacy(request, metadata=bearer(token)):
            last = reply.progress
        elapsed = time.perf_counter() - started
    assert last is not None and last.final
    return elapsed, last


def unpack_and_hash_seconds(rows: list[tuple[str, bytes]]) -> float:
    packed = [
        gzip.compress(fit) if s == "gzip" else zlib.compress(fit) if s == "zlib" else fit for s, fit in rows
    ]
    started = time.perf_counter()
    for (storage, _), blob in zip(rows, packed, strict=True):
        data = (
            gzip.decompress(blob)
            if storage == "gzip"
            else zlib.decompress(blob)
            if storage == "zlib"
            else blob
        )
        hashlib.sha256(data).hexdigest()
    return time.perf_counter() - started


async def run(root: Path, parallelism: int, analyze: bool) -> None:
    with Stack(root / "stack") as stack:
        dsn, dataset = await legacy_database(stack, root)
        request = ops_pb.MigrateLegacyRequest(
            legacy_dsn=dsn, user_map_csv=dataset.user_map_csv, parallelism=parallelism, no_analyze=not analyze
        )
        first_s, first = await migrate(stack, request)
        second_s, second = await migrate(stack, request)
    expected = dataset.expected
    assert (first.migrated, first.duplicates, first.failed) == (
        expected.migrated, expected.duplicates, len(expected.failed)
    )  # fmt: skip
    assert (second.migrated, second.already_migrated) == (0, expected.migrated + expected.duplicates)
    work = [
        (r.storage if r.storage in ("gzip", "zlib") else "raw", r.fit or b"") for r in dataset.rows if r.fit
    ]
    local = unpack_and_hash_seconds(work)
    megabytes = first.bytes / 1e6
    print(
        f"migration: {len(dataset.rows)} legacy rows ({megabytes:.1f} MB of FIT data), parallelism {parallelism},"
        f" analyses {'queued' if analyze else 'not queued'}"
    )
    print(
        f"  first run   {first_s:6.2f} s  ({first.total / first_s:.0f} files/s, {megabytes / first_s:.1f} MB/s):"
        f" migrated {first.migrated}, duplicates {first.duplicates}, failed {first.failed}, queued {first.queued}"
    )
    print(f"  second run  {second_s:6.2f} s  (nothing to migrate: {second.already_migrated} already there)")
    print(
        f"  baseline: decompress + sha256 in-process {local:.2f} s; the migration is {first_s / local:.1f}× that"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--no-analyze", action="store_true", help="do not queue the analyses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitcoach-bench-migrate-") as root:
        asyncio.run(run(Path(root), args.parallelism, not args.no_analyze))


if __name__ == "__main__":
    main()
