"""Decode and analyze files in long-lived worker processes, each job under a hard time, memory and CPU limit.

FIT decoders have spun forever and eaten memory on hostile input, so a file is never decoded in the service
process. A pool of worker processes (one per core by default) is forked ahead of time from a forkserver that
has imported the analysis library, and each worker analyzes a small synthetic activity before it takes work:
a job pays only for its own decode and metrics, not for the library's first call (~130 ms of imports and
caches). Every protection of a process per job stays:

- time: the parent kills the worker at the job's deadline; the job fails and a fresh worker replaces it;
- memory: while a job runs, RLIMIT_AS caps the worker at what it maps with the file received +
  DECODE_MEMORY_MB; a job that hits it fails and the worker is retired;
- CPU: before each job a worker sets its soft RLIMIT_CPU to its CPU time so far + the job's allowance, so the
  kernel stops a spinning worker (SIGXCPU) even when the parent's kill never comes;
- crash: a worker that dies fails only its own job and is replaced.

A worker is also retired after `max_jobs` jobs, after an unexpected error in our code, or when its memory grew,
so leaks and fragmentation cannot build up. The event loop only waits on pipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fitcoach_analysis import InvalidFitFile, analyze_decoded
from fitcoach_analysis.fit import decode
from fitcoach_analysis.profile import AthleteProfile
from fitcoach_runtime.settings import MIB

from .domain import AnalysisBug, FileRejected

log = logging.getLogger(__name__)

_NEAR_CAP_BYTES = 4 * MIB
# Imported once in the forkserver, so a worker forked from it starts with them (garmin_fit_sdk's profile
# module alone takes ~100 ms to import).
_PRELOAD = ["analyzer_service.worker", "fitcoach_analysis", "garmin_fit_sdk"]
# A worker whose address space grew by more than this share of its memory allowance is retired.
_GROWTH_SHARE = 0.25
_START_TIMEOUT_S = 120.0  # a fresh worker imports nothing new and analyzes one small file
_RESPAWN_DELAY_S = (0.5, 10.0)  # first and longest wait before trying again to start a worker


@dataclass(frozen=True)
class WorkerLimits:
    timeout_s: float
    memory_mb: int
    stream_points: int = 500
    max_jobs: int = 1000
    # The kernel's CPU-time backstop per job (SIGXCPU). None: timeout_s + 2 s, so the parent's kill comes first
    # and the backstop only acts when that kill never comes.
    cpu_s: float | None = None

    @property
    def cpu_allowance_s(self) -> float:
        return self.cpu_s if self.cpu_s is not None else self.timeout_s + 2


@dataclass(frozen=True)
class AnalysisCode:
    """What a worker runs, in two steps, so a failure says whose fault it is.

    An exception while decoding means a bad file (FIT decoders raise all kinds of exceptions on mutated input);
    an exception other than InvalidFitFile while computing metrics is a bug in our code. Tests inject hostile
    stand-ins here; the service only ever runs the real library.
    """

    decode: Callable[[bytes], Any] = decode
    metrics: Callable[..., dict[str, Any]] = analyze_decoded


# --- inside a worker process -----------------------------------------------------------------------------


def _vm_bytes() -> int:
    """Virtual memory this process maps (numpy/BLAS reserve a lot of address space before any work)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def warm_up_file(records: int = 120) -> bytes:
    """A small synthetic run (GPS, heart rate, power, cadence, altitude, one lap): it touches the decoder's and
    the metrics' code paths, so their imports and caches are in place before a worker takes a real file."""
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    start = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(seconds=records - 1)
    semicircles = 2**31 / 180
    encoder = Encoder()
    encoder.write_mesg(
        {"mesg_num": mesg["FILE_ID"], "type": "activity", "manufacturer": "development", "product": 0,
         "time_created": start, "serial_number": 1}
    )  # fmt: skip
    for i in range(records):
        encoder.write_mesg(
            {"mesg_num": mesg["RECORD"], "timestamp": start + dt.timedelta(seconds=i), "heart_rate": 120 + i % 30,
             "distance": 3.0 * i, "speed": 3.0, "power": 200 + i % 50, "cadence": 85,
             "altitude": 100 + 5 * math.sin(i / 10), "position_lat": int(47 * semicircles) + 100 * i,
             "position_long": int(8 * semicircles) + 100 * i}
        )  # fmt: skip
    totals = {"start_time": start, "total_elapsed_time": records - 1, "total_timer_time": records - 1,
              "total_distance": 3.0 * (records - 1), "sport": "running", "sub_sport": "generic"}  # fmt: skip
    encoder.write_mesg({"mesg_num": mesg["LAP"], "timestamp": end, "message_index": 0, **totals})
    encoder.write_mesg({"mesg_num": mesg["SESSION"], "timestamp": end, "num_laps": 1, **totals})
    encoder.write_mesg({"mesg_num": mesg["ACTIVITY"], "timestamp": end, "num_sessions": 1})
    data: bytes = encoder.close()
    return data


def _run_job(
    code: AnalysisCode, data: bytes, profile: AthleteProfile | None, limits: WorkerLimits, cap: int
) -> tuple[str, Any]:
    """("ok", analysis) | ("bad", reason: the file's fault) | ("limit", reason) | ("bug", details: ours)."""
    too_big = f"the file needs more than {limits.memory_mb} MB to decode"

    def at_the_cap() -> bool:
        # At the limit, small failed allocations surface as odd errors (SystemError, ...), not MemoryError.
        return _vm_bytes() > cap - _NEAR_CAP_BYTES

    try:
        decoded = code.decode(data)
    except InvalidFitFile as exc:
        return ("bad", str(exc))
    except MemoryError:
        return ("limit", too_big)
    except RecursionError:
        return ("bad", "not a valid FIT file: nesting too deep")
    except Exception as exc:  # every exception from decoding means "bad file", never "retry"
        if at_the_cap():
            return ("limit", too_big)
        return ("bad", f"not a valid FIT file: {type(exc).__name__}: {exc}")
    try:
        return ("ok", code.metrics(decoded, profile, stream_points=limits.stream_points))
    except InvalidFitFile as exc:  # the library judged the decoded content unusable
        return ("bad", str(exc))
    except MemoryError:
        return ("limit", too_big)
    except Exception as exc:
        if at_the_cap():
            return ("limit", too_big)
        # Not the file's fault: our metrics code failed. The stack goes to operators, never to the user.
        frames = "".join(traceback.format_exception(exc, limit=-8))
        return ("bug", f"{type(exc).__name__}: {exc}\n{frames}"[:8000])


def _serve(conn: multiprocessing.connection.Connection, code: AnalysisCode, limits: WorkerLimits) -> None:
    """A worker's life: warm up, cap memory, then analyze jobs until told to stop or retired."""
    try:
        # Always the real library, whatever `code` is: a hostile stand-in must not hang the start.
        analyze_decoded(decode(warm_up_file()))
        baseline = _vm_bytes()
        _, memory_hard = resource.getrlimit(resource.RLIMIT_AS)
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        conn.send(("ready", None))
        for job_number in range(1, limits.max_jobs + 1):
            # Not capped while a job arrives: its bytes (up to MAX_UPLOAD_BYTES) are not the decoder's memory.
            resource.setrlimit(resource.RLIMIT_AS, (memory_hard, memory_hard))
            try:
                job = conn.recv()
            except EOFError:
                return  # the service closed the pool (or died)
            if job is None:
                return
            data, profile = job
            # The decoder may map DECODE_MEMORY_MB more than the worker holds with the file received. Soft limits
            # are what the kernel enforces, and nothing in a worker raises them again.
            cap = _vm_bytes() + limits.memory_mb * MIB
            resource.setrlimit(resource.RLIMIT_AS, (cap, memory_hard))
            # The kernel counts CPU seconds over the worker's whole life; each job gets its allowance on top.
            used = sum(os.times()[:2])
            resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(used + limits.cpu_allowance_s), cpu_hard))
            kind, value = _run_job(code, data, profile, limits, cap)
            del data, job
            grown = _vm_bytes() > baseline + _GROWTH_SHARE * limits.memory_mb * MIB
            retire = kind in ("limit", "bug") or grown or job_number == limits.max_jobs
            try:
                conn.send((kind, value, retire))
            except MemoryError:
                # The result itself did not fit: report what we can without allocating much.
                with contextlib.suppress(Exception):
                    conn.send(("limit", f"the file needs more than {limits.memory_mb} MB to decode", True))
                return
            if retire:
                return
    finally:
        conn.close()


# --- in the service --------------------------------------------------------------------------------------


class WorkerStartFailed(RuntimeError):
    """A worker process did not become ready."""


def _receive(conn: multiprocessing.connection.Connection) -> Any:
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None  # the worker died without answering


async def _readable(conn: multiprocessing.connection.Connection, deadline: float) -> bool:
    """Wait in the loop itself (no thread parked for a whole job) until `conn` has data or EOF; False at the
    deadline."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await asyncio.wait_for(readable, max(deadline - time.monotonic(), 0))
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)


_TIMEOUT = ("timeout", None, True)


class _Worker:
    """One worker process and the service's end of its pipe."""

    def __init__(
        self, process: multiprocessing.process.BaseProcess, conn: multiprocessing.connection.Connection
    ):
        self.process = process
        self.conn = conn

    async def wait_ready(self, within_s: float) -> None:
        if not await _readable(self.conn, time.monotonic() + within_s):
            raise WorkerStartFailed(f"the decode worker was not ready within {within_s:g} s")
        answer = await asyncio.to_thread(_receive, self.conn)
        if answer != ("ready", None):
            raise WorkerStartFailed(f"the decode worker did not start (exit code {self.process.exitcode})")

    async def run(self, data: bytes, profile: AthleteProfile | None, deadline: float) -> Any:
        """The worker's reply (kind, value, retire), None if it died, _TIMEOUT at the deadline."""
        # Up to MAX_UPLOAD_BYTES through a pipe: keep the copy off the event loop, and within the deadline (a
        # worker that stops reading is killed, which ends the send).
        sending = asyncio.ensure_future(asyncio.to_thread(self.conn.send, (data, profile)))
        try:
            await asyncio.wait_for(asyncio.shield(sending), max(deadline - time.monotonic(), 0))
        except OSError:
            return None
        except TimeoutError:
            self.process.kill()
            with contextlib.suppress(OSError):
                await sending
            return _TIMEOUT
        if not await _readable(self.conn, deadline):
            return _TIMEOUT
        # The answer is arriving: read it off the loop (results are up to a few MB); a worker that stalls
        # mid-send is killed at the deadline, which ends the read with EOF.
        answer = asyncio.ensure_future(asyncio.to_thread(_receive, self.conn))
        try:
            return await asyncio.wait_for(asyncio.shield(answer), max(deadline - time.monotonic(), 0.5))
        except TimeoutError:
            self.process.kill()
            await answer
            return _TIMEOUT

    async def stop(self) -> None:
        """Kill it if it still runs, reap it, close the pipe."""
        if self.process.is_alive():
            self.process.kill()
        await asyncio.to_thread(self.process.join, 5)
        self.conn.close()


class DecodePool:
    """Runs the analysis library in `size` long-lived, pre-warmed, killable worker processes."""

    def __init__(self, limits: WorkerLimits, size: int, code: AnalysisCode | None = None) -> None:
        if size < 1:
            raise ValueError("a decode pool needs at least one worker")
        self.limits = limits
        self.size = size
        self.code = code or AnalysisCode()
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(_PRELOAD)
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    async def start(self) -> None:
        """Start every worker and wait until each is warm (fails when the analysis library cannot run)."""
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)), return_exceptions=True)
        errors = [w for w in workers if isinstance(w, BaseException)]
        for worker in workers:
            if isinstance(worker, _Worker):
                self._idle.put_nowait(worker)
        if errors:
            await self.close()
            raise errors[0]

    async def close(self) -> None:
        """Stop every worker (jobs still running are killed, their callers get the decoder-crash answer)."""
        self._closed = True
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(self._background)
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            with contextlib.suppress(OSError):
                worker.conn.send(None)  # a clean exit for the idle ones
        await asyncio.gather(*(w.stop() for w in list(self._workers)))
        self._workers.clear()

    async def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_serve, args=(child_end, self.code, self.limits), name="fitcoach-decode", daemon=True
        )
        try:
            # start() talks to the forkserver (and starts it the first time): keep it off the event loop.
            await asyncio.to_thread(process.start)
        finally:
            child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.add(worker)
        try:
            await worker.wait_ready(_START_TIMEOUT_S)
        except BaseException:
            self._workers.discard(worker)
            await worker.stop()
            raise
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Stop `worker` and start another in the background; jobs meanwhile wait for the other workers."""
        self._workers.discard(worker)
        task = asyncio.create_task(self._stop_and_respawn(worker), name="decode-worker-respawn")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _stop_and_respawn(self, worker: _Worker) -> None:
        await worker.stop()
        delay = _RESPAWN_DELAY_S[0]
        while not self._closed:
            try:
                self._idle.put_nowait(await self._spawn())
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "cannot start a decode worker; trying again", extra={"fields": {"delay_s": delay}}
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RESPAWN_DELAY_S[1])

    async def _take(self) -> _Worker:
        """A live idle worker (one that died while idle, e.g. killed from outside, is replaced)."""
        while True:
            worker = await self._idle.get()
            # An idle worker has nothing to say: a readable pipe is the EOF of a worker that died.
            if not worker.conn.poll(0):
                return worker
            self._replace(worker)

    async def analyze(self, data: bytes, profile: AthleteProfile | None) -> dict[str, Any]:
        """The analysis dict. FileRejected with a readable reason when the file is bad or hits a limit;
        AnalysisBug when our metrics code failed on it."""
        if self._closed:
            raise RuntimeError("the decode pool is closed")
        worker = await self._take()
        started = time.monotonic()
        try:
            answer = await worker.run(data, profile, started + self.limits.timeout_s)
        except BaseException:
            self._replace(worker)  # cancelled mid-job: the worker is killed with it
            raise
        elapsed = round(time.monotonic() - started, 4)
        if answer is None:
            await asyncio.to_thread(worker.process.join, 5)  # reaped, so its exit code is known
            code = worker.process.exitcode
            self._replace(worker)
            log.warning("decode worker died", extra={"fields": {"exit_code": code, "elapsed_s": elapsed}})
            if code is not None and -code == signal.SIGXCPU:  # the kernel's RLIMIT_CPU backstop
                raise FileRejected(f"decoding used more than {self.limits.cpu_allowance_s:g} s of CPU time")
            raise FileRejected(f"the decoder crashed on this file (exit code {code})")
        if answer[2]:  # timed out (killed), hit a limit, failed unexpectedly or done its share of jobs
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)
        kind, value, _retire = answer
        if kind == "timeout":
            raise FileRejected(f"decoding took longer than {self.limits.timeout_s:g} s")
        if kind in ("bad", "limit"):
            raise FileRejected(value)
        if kind == "bug":
            raise AnalysisBug(value)
        log.info("decoded", extra={"fields": {"elapsed_s": elapsed, "bytes": len(data)}})
        analysis: dict[str, Any] = value
        return analysis
