"""Decode and analyze one file in a separate process with a hard time and memory limit.

FIT decoders have spun forever and eaten memory on hostile input, and fitdecode costs ~3 s of CPU per MB, so
a file is never decoded in the service process: each job runs in a child forked from a forkserver that has
already imported the analysis library (so a job starts in milliseconds), under RLIMIT_AS, and is killed when
its time is up. The event loop only waits on a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from dataclasses import dataclass
from typing import Any

from fitcoach_analysis.profile import AthleteProfile

from .domain import FileRejected

log = logging.getLogger(__name__)

MIB = 1024 * 1024
_NEAR_CAP_BYTES = 4 * MIB
# Imported once in the forkserver so every forked job has them already.
_PRELOAD = ["__main__", "analyzer_service.worker", "fitcoach_analysis"]


@dataclass(frozen=True)
class WorkerLimits:
    timeout_s: float
    memory_mb: int
    stream_points: int = 500
    # "module:function" with analyze()'s signature; tests select a hostile stand-in (analyzer_service.testing).
    function: str = "fitcoach_analysis:analyze"


def _baseline_vm_bytes() -> int:
    """Virtual memory the worker maps before decoding (numpy/BLAS reserve a lot of address space)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(
    conn: multiprocessing.connection.Connection,
    data: bytes,
    profile: AthleteProfile | None,
    limits: WorkerLimits,
) -> None:
    """Runs in the worker: set the limits, analyze, send ("ok", result) or ("bad", reason)."""
    # The memory limit applies on top of what the worker already maps, so DECODE_MEMORY_MB means "memory the
    # decoder may use" whatever the platform's baseline.
    cap = _baseline_vm_bytes() + limits.memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # A CPU-time backstop: the kernel kills the worker even if the parent's kill never comes.
    cpu = int(limits.timeout_s) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        from fitcoach_analysis.fit import InvalidFitFile

        module, _, name = limits.function.partition(":")
        analyze = getattr(importlib.import_module(module), name)

        try:
            outcome: tuple[str, Any] = ("ok", analyze(data, profile, stream_points=limits.stream_points))
        except InvalidFitFile as exc:
            outcome = ("bad", str(exc))
        except MemoryError:
            outcome = ("bad", f"the file needs more than {limits.memory_mb} MB to decode")
        except RecursionError:
            outcome = ("bad", "not a valid FIT file: nesting too deep")
        except Exception:  # every exception from decoding means "bad file", never "retry"
            if _baseline_vm_bytes() > cap - _NEAR_CAP_BYTES:
                # At the limit, small failed allocations surface as odd errors (SystemError, ...), not MemoryError.
                outcome = ("bad", f"the file needs more than {limits.memory_mb} MB to decode")
            else:
                # The reason is shown to the athlete: what is wrong with the file, not a Python exception name.
                outcome = ("bad", "not a valid FIT file: corrupt data")
        conn.send(outcome)
    except MemoryError:
        # The result itself did not fit: report what we can without allocating much.
        with contextlib.suppress(Exception):
            conn.send(("bad", f"the file needs more than {limits.memory_mb} MB to decode"))
    finally:
        conn.close()


def _receive(conn: multiprocessing.connection.Connection) -> Any:
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None  # the worker died without answering


class DecodeWorker:
    """Runs `fitcoach_analysis.analyze` in a killable child process per job."""

    def __init__(self, limits: WorkerLimits) -> None:
        self.limits = limits
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(_PRELOAD)

    def warm_up(self) -> None:
        """Start the forkserver now (it imports the analysis library once) rather than on the first file."""
        from multiprocessing import forkserver

        forkserver.ensure_running()

    @staticmethod
    async def _wait(
        process: multiprocessing.process.BaseProcess,
        receiver: multiprocessing.connection.Connection,
        deadline: float,
    ) -> Any:
        """The child's answer, None if it died, ("timeout", None) at the deadline (the caller kills it)."""
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = receiver.fileno()

        # Wait on the pipe in the loop itself (no thread parked for the whole decode); EOF is readable too.
        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(readable, max(deadline - time.monotonic(), 0))
        except TimeoutError:
            return ("timeout", None)
        finally:
            loop.remove_reader(fd)
        # The answer is arriving: read it off the loop (results are up to a few MB); a child that stalls mid-send
        # is killed at the deadline, which ends the read with EOF.
        answer = asyncio.ensure_future(asyncio.to_thread(_receive, receiver))
        try:
            return await asyncio.wait_for(asyncio.shield(answer), max(deadline - time.monotonic(), 0.5))
        except TimeoutError:
            process.kill()
            await answer
            return ("timeout", None)

    async def analyze(self, data: bytes, profile: AthleteProfile | None) -> dict[str, Any]:
        """The analysis dict, or FileRejected with a readable reason when the file is bad or hits a limit."""
        receiver, sender = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_child, args=(sender, data, profile, self.limits), name="fitcoach-decode", daemon=True
        )
        started = time.monotonic()
        try:
            # start() ships `data` to the forkserver through a pipe: keep it off the event loop.
            await asyncio.to_thread(process.start)
        finally:
            sender.close()
        try:
            outcome = await self._wait(process, receiver, started + self.limits.timeout_s)
        finally:
            if process.is_alive():
                process.kill()
            await asyncio.to_thread(process.join, 5)
            receiver.close()
        elapsed = time.monotonic() - started
        if outcome is None:
            code = process.exitcode
            log.warning(
                "decode worker died", extra={"fields": {"exit_code": code, "elapsed_s": round(elapsed, 3)}}
            )
            if code is not None and -code == signal.SIGXCPU:  # RLIMIT_CPU
                raise FileRejected(f"decoding took longer than {self.limits.timeout_s:g} s")
            raise FileRejected(f"the decoder crashed on this file (exit code {code})")
        kind, value = outcome
        if kind == "timeout":
            raise FileRejected(f"decoding took longer than {self.limits.timeout_s:g} s")
        if kind == "bad":
            raise FileRejected(value)
        log.info("decoded", extra={"fields": {"elapsed_s": round(elapsed, 3), "bytes": len(data)}})
        analysis: dict[str, Any] = value  # the child answers ("ok", the analysis dict)
        return analysis
