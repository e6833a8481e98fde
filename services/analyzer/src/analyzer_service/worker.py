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
import pickle
import resource
import signal
import socket
import struct
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


def _too_big(limits: WorkerLimits) -> str:
    return f"the file needs more than {limits.memory_mb} MB to decode"


def _run_job(
    code: AnalysisCode, data: bytes, profile: AthleteProfile | None, limits: WorkerLimits, cap: int
) -> tuple[str, Any]:
    """("ok", analysis) | ("bad", reason: the file's fault) | ("limit", reason) | ("bug", details: ours)."""
    too_big = _too_big(limits)

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
    except Exception:  # every exception from decoding means "bad file", never "retry"
        if at_the_cap():
            return ("limit", too_big)
        # The reason is shown to the athlete: what is wrong with the file, not a Python exception name.
        return ("bad", "not a valid FIT file: corrupt data")
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
                    conn.send(("limit", _too_big(limits), True))
                return
            if retire:
                return
    finally:
        conn.close()


# --- in the service --------------------------------------------------------------------------------------


class WorkerStartFailed(RuntimeError):
    """A worker process did not become ready."""


# multiprocessing.Connection's framing, which the worker speaks: a signed 4-byte length, or -1 and an 8-byte one.
_HEADER = struct.Struct("!i")
_LONG_HEADER = struct.Struct("!Q")
_CHUNK_BYTES = MIB  # a big file goes out in pieces, so the event loop runs between them


class _Channel:
    """The service's end of a worker's pipe, on the event loop (no thread hand-off per message): pickles in
    multiprocessing's framing, so the worker uses plain Connection.send/recv."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, conn: multiprocessing.connection.Connection) -> _Channel:
        sock = socket.socket(fileno=os.dup(conn.fileno()))  # a Pipe(duplex=True) end is a unix socket
        conn.close()
        reader, writer = await asyncio.open_unix_connection(sock=sock)
        return cls(reader, writer)

    async def send(self, message: Any) -> None:
        payload = memoryview(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        size = len(payload)
        header = _HEADER.pack(size) if size <= 0x7FFFFFFF else _HEADER.pack(-1) + _LONG_HEADER.pack(size)
        self.writer.write(header)
        for offset in range(0, size, _CHUNK_BYTES):
            self.writer.write(payload[offset : offset + _CHUNK_BYTES])
            await self.writer.drain()

    async def receive(self) -> Any:
        """The next message; IncompleteReadError when the worker died before sending all of it."""
        (size,) = _HEADER.unpack(await self.reader.readexactly(_HEADER.size))
        if size == -1:
            (size,) = _LONG_HEADER.unpack(await self.reader.readexactly(_LONG_HEADER.size))
        return pickle.loads(await self.reader.readexactly(size))

    def closed_by_worker(self) -> bool:
        """The worker's end is closed: it exited or died (an idle worker sends nothing else)."""
        return self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


_TIMEOUT = ("timeout", None, True)


class _Worker:
    """One worker process and the service's end of its pipe."""

    def __init__(self, process: multiprocessing.process.BaseProcess, channel: _Channel) -> None:
        self.process = process
        self.channel = channel

    async def wait_ready(self, within_s: float) -> None:
        try:
            answer = await asyncio.wait_for(self.channel.receive(), within_s)
        except TimeoutError:
            raise WorkerStartFailed(f"the decode worker was not ready within {within_s:g} s") from None
        except (asyncio.IncompleteReadError, OSError):
            answer = None
        if answer != ("ready", None):
            raise WorkerStartFailed(f"the decode worker did not start (exit code {self.process.exitcode})")

    async def run(self, data: bytes, profile: AthleteProfile | None, deadline: float) -> Any:
        """The worker's reply (kind, value, retire), None if it died, _TIMEOUT at the deadline (when the
        worker is killed: a worker that stops reading or stalls mid-answer cannot hold the job longer)."""
        try:
            return await asyncio.wait_for(self._exchange(data, profile), max(deadline - time.monotonic(), 0))
        except TimeoutError:
            self.process.kill()
            return _TIMEOUT
        except (asyncio.IncompleteReadError, OSError):
            return None

    async def _exchange(self, data: bytes, profile: AthleteProfile | None) -> Any:
        await self.channel.send((data, profile))
        return await self.channel.receive()

    async def stop(self) -> None:
        """Kill it if it still runs, close the pipe, reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.channel.close()
        await asyncio.to_thread(self.process.join, 5)


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
                await asyncio.wait_for(worker.channel.send(None), 1)  # a clean exit for the idle ones
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
        worker = _Worker(process, await _Channel.open(parent_end))
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
        if worker.process.is_alive():
            worker.process.kill()
        worker.channel.close()
        task = asyncio.create_task(self._reap_and_respawn(worker), name="decode-worker-respawn")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reap_and_respawn(self, worker: _Worker) -> None:
        await asyncio.to_thread(worker.process.join, 5)
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
            if not worker.channel.closed_by_worker():
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
