"""The decode pool: warm long-lived workers, limits that fail only the bad file, and replacements.

Each limit is proven against a stand-in that is pathological by construction (analyzer_testkit.stand_ins),
and after each one the same pool analyzes a real file: a bad file never takes the service down.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from analyzer_service.domain import AnalysisBug, FileRejected
from analyzer_service.worker import DecodePool, WorkerLimits
from analyzer_testkit.stand_ins import STAND_INS


@asynccontextmanager
async def pool(
    stand_in: str = "traced", *, size: int = 1, timeout_s: float = 30, memory_mb: int = 512, **limits: float
) -> AsyncIterator[DecodePool]:
    workers = DecodePool(WorkerLimits(timeout_s, memory_mb, **limits), size, STAND_INS[stand_in])
    await workers.start()
    try:
        yield workers
    finally:
        await workers.close()


async def _pid_after(workers: DecodePool, data: bytes) -> int:
    """Which worker process analyzes the next file (the pool keeps one: it must be the one serving now)."""
    pid: int = (await workers.analyze(data, None))["worker_pid"]
    return pid


def _wait_gone(pid: int) -> None:
    """Until the process has exited (a zombie counts: it holds no files any more)."""
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.01)


async def test_workers_are_warm_before_the_first_job_and_serve_many_jobs(good_run: bytes) -> None:
    async with pool("traced", size=1) as workers:
        first = await workers.analyze(good_run, None)
        # The first job of a fresh worker imported nothing: the library's first-call cost was paid at start.
        assert first["imported"] == []
        assert first["record_count"] == 2809
        # Later jobs run in the same process.
        assert {await _pid_after(workers, good_run) for _ in range(3)} == {first["worker_pid"]}


async def test_a_worker_is_replaced_after_max_jobs(good_run: bytes) -> None:
    async with pool("traced", size=1, max_jobs=2) as workers:
        pids = [await _pid_after(workers, good_run) for _ in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


async def test_memory_limit_rejects_a_real_file_that_needs_more(fit_file: Callable[[str], bytes]) -> None:
    # Four chained copies of the 100k-record file: ~90 MB to decode, far beyond the few MB of heap a warm
    # worker has free inside its baseline.
    big = fit_file("stress-bryton-100k-records-synthetic.fit") * 4
    async with pool("traced", memory_mb=8) as workers:
        with pytest.raises(FileRejected, match=r"^the file needs more than 8 MB to decode$"):
            await workers.analyze(big, None)
        # The worker that hit the limit was retired; its replacement analyzes a real file.
        assert (await workers.analyze(fit_file("run-fenix2-gps-hr.fit"), None))["record_count"] == 2809


async def test_the_files_own_bytes_do_not_count_against_the_decoders_memory(good_run: bytes) -> None:
    # 64 MB arrive at a worker whose decoder may use 1 MB: the job is received, and decided by its own limit
    # (here the time limit of a decoder that hangs), not lost to a worker that ran out of memory reading it.
    async with pool("hang", memory_mb=1, timeout_s=1) as workers:
        with pytest.raises(FileRejected, match=r"^decoding took longer than 1 s$"):
            await workers.analyze(bytes(64 * 1024 * 1024), None)


async def test_memory_hog_is_stopped_at_the_limit_and_its_worker_replaced(good_run: bytes) -> None:
    async with pool("hog", memory_mb=256) as workers:
        for _ in range(2):  # the second job runs in a fresh worker and is stopped the same way
            with pytest.raises(FileRejected, match=r"^the file needs more than 256 MB to decode$"):
                await workers.analyze(good_run, None)


async def test_hanging_decoder_is_killed_at_the_time_limit_and_the_next_job_runs(good_run: bytes) -> None:
    async with pool("hang", timeout_s=0.5) as workers:
        with pytest.raises(FileRejected, match=r"^decoding took longer than 0.5 s$"):
            await workers.analyze(good_run, None)
        # The killed worker was replaced: the pool answers again (the stand-in hangs again, and is cut again).
        with pytest.raises(FileRejected, match=r"^decoding took longer than 0.5 s$"):
            await workers.analyze(good_run, None)


async def test_spinning_decoder_is_stopped_by_the_kernels_cpu_backstop(good_run: bytes) -> None:
    # The parent's own deadline (60 s) is far away: only RLIMIT_CPU (1 s of CPU) can stop this job.
    async with pool("spin", timeout_s=60, cpu_s=1) as workers:
        with pytest.raises(FileRejected, match=r"^decoding used more than 1 s of CPU time$"):
            await workers.analyze(good_run, None)


async def test_crashing_decoder_fails_the_file_and_a_fresh_worker_takes_the_next(good_run: bytes) -> None:
    async with pool("crash") as workers:
        with pytest.raises(FileRejected, match=r"^the decoder crashed on this file \(exit code -6\)$"):
            await workers.analyze(good_run, None)
        with pytest.raises(FileRejected, match=r"^the decoder crashed on this file \(exit code -6\)$"):
            await workers.analyze(good_run, None)


async def test_a_bug_in_the_metrics_code_is_not_a_bad_file(good_run: bytes) -> None:
    async with pool("buggy_metrics") as workers:
        with pytest.raises(AnalysisBug) as caught:
            await workers.analyze(good_run, None)
    details = str(caught.value)
    assert details.startswith("ZeroDivisionError: float division by zero\n")
    assert "buggy_metrics" in details  # the traceback, for operators


async def test_a_bad_file_is_still_a_bad_file(fit_file: Callable[[str], bytes]) -> None:
    async with pool("traced") as workers:
        with pytest.raises(FileRejected, match=r"^not a valid FIT file: "):
            await workers.analyze(fit_file("broken-truncated.fit"), None)
        assert (await workers.analyze(fit_file("run-fenix2-gps-hr.fit"), None))["record_count"] == 2809


async def test_a_worker_killed_while_idle_is_replaced_before_it_gets_a_job(good_run: bytes) -> None:
    async with pool("traced") as workers:
        victim = await _pid_after(workers, good_run)
        os.kill(victim, signal.SIGKILL)
        await asyncio.to_thread(_wait_gone, victim)  # gone (or a zombie): its end of the pipe is closed
        assert await _pid_after(workers, good_run) != victim


async def test_event_loop_keeps_running_while_files_decode(fit_file: Callable[[str], bytes]) -> None:
    data = fit_file("multisport-fenix2-long.fit")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async with pool("slow", size=2, timeout_s=60) as workers:
        task = asyncio.create_task(ticker())
        try:
            # Two 2.5 s decodes side by side, one per worker.
            first, second = await asyncio.gather(workers.analyze(data, None), workers.analyze(data, None))
        finally:
            task.cancel()
    assert first["record_count"] == second["record_count"] == 24239
    assert len(first["sessions"]) == 7
    # Order, not timing: the loop ran its own work many times over before the decodes came back (50 ticks
    # need 0.5 s of an idle loop; the decodes take 2.5 s even on an unloaded machine).
    assert ticks > 50, ticks
