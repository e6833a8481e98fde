"""The decode worker: limits that kill a bad file's worker, and an event loop that never blocks."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

import pytest
from analyzer_service.domain import FileRejected
from analyzer_service.worker import DecodeWorker, WorkerLimits


async def test_memory_limit_rejects_a_real_file_that_needs_more(fit_file: Callable[[str], bytes]) -> None:
    worker = DecodeWorker(WorkerLimits(timeout_s=30, memory_mb=1))
    with pytest.raises(FileRejected, match=r"^the file needs more than 1 MB to decode$"):
        await worker.analyze(fit_file("stress-bryton-100k-records-synthetic.fit"), None)


async def test_memory_hog_is_stopped_at_the_limit(good_run: bytes) -> None:
    worker = DecodeWorker(WorkerLimits(timeout_s=30, memory_mb=256, function="analyzer_service.testing:hog"))
    with pytest.raises(FileRejected, match=r"^the file needs more than 256 MB to decode$"):
        await worker.analyze(good_run, None)


async def test_hanging_decoder_is_killed_at_the_time_limit_and_the_next_job_runs(good_run: bytes) -> None:
    worker = DecodeWorker(
        WorkerLimits(timeout_s=0.5, memory_mb=512, function="analyzer_service.testing:hang")
    )
    started = time.monotonic()
    with pytest.raises(FileRejected, match=r"^decoding took longer than 0.5 s$"):
        await worker.analyze(good_run, None)
    assert time.monotonic() - started < 3
    real = DecodeWorker(WorkerLimits(timeout_s=30, memory_mb=512))
    assert (await real.analyze(good_run, None))["record_count"] == 2809


async def test_crashing_decoder_fails_the_file(good_run: bytes) -> None:
    worker = DecodeWorker(
        WorkerLimits(timeout_s=10, memory_mb=512, function="analyzer_service.testing:crash")
    )
    with pytest.raises(FileRejected, match=r"^the decoder crashed on this file \(exit code -6\)$"):
        await worker.analyze(good_run, None)


async def test_event_loop_keeps_running_while_files_decode(fit_file: Callable[[str], bytes]) -> None:
    worker = DecodeWorker(WorkerLimits(timeout_s=60, memory_mb=1024))
    slow = DecodeWorker(WorkerLimits(timeout_s=60, memory_mb=1024, function="analyzer_service.testing:slow"))
    data = fit_file("multisport-fenix2-long.fit")
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        # A real decode and one that takes 2.5 s, side by side.
        first, second = await asyncio.gather(worker.analyze(data, None), slow.analyze(data, None))
    finally:
        task.cancel()
    assert first["record_count"] == second["record_count"] == 24239
    assert len(first["sessions"]) == 7
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 100 and max(gaps) < 0.25, max(gaps)
