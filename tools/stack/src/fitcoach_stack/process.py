"""A child process in its own process group, logging to a file: the one way the stack runs a binary."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class ServerStartError(RuntimeError):
    """A server did not become ready in time (the message carries the tail of its log)."""


class PortInUseError(ServerStartError):
    """A server exited because a port it was given was taken by then (see free_ports)."""


# How the servers say that a port they were told to use is taken: "Address already in use" (PostgreSQL,
# nats-server, Envoy, gRPC, Python's servers and moto), "port N for S3 (...) is not available" (weed).
_PORT_TAKEN = re.compile(r"address already in use|port \d+ .*is not available", re.IGNORECASE)
# Launches of a child whose ports keep being taken before it binds them: each retry has new ports.
PORT_ATTEMPTS = 3


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct ports the OS just handed out (bind 0: never a standard one), all sockets held open
    together so the OS can't hand one out twice. They are free when this returns, and no longer reserved:
    anything may bind one before the server we pick it for does (another test's server, the local end of an
    outgoing connection), and that server then exits with "address already in use". `wait_moving_ports`
    launches it again on new ones."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_moving_ports(wait: Callable[[], object], relaunch_on_new_ports: Callable[[], None] | None) -> None:
    """`wait()` for a launched child to be ready; when it exited because a port picked for it was taken
    meanwhile, `relaunch_on_new_ports()` and wait again, PORT_ATTEMPTS launches in all. None: its ports may not
    move (a restart, say: its clients know them), and the PortInUseError is raised."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        try:
            wait()
            return
        except PortInUseError:
            if relaunch_on_new_ports is None or attempt == PORT_ATTEMPTS:
                raise
            relaunch_on_new_ports()


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:])


def _wait_unreaped(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to `timeout` for `proc` to exit, leaving it a zombie (not reaped), so its pid stays ours."""
    deadline = time.monotonic() + timeout
    while proc.returncode is None:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:  # reaped elsewhere meanwhile
            return
        if time.monotonic() >= deadline:
            return
        time.sleep(0.02)


class ManagedProcess:
    """Starts `argv` in a new session (so stop() can signal the whole group) with stdout+stderr in `log_path`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        die_with_parent: bool = True,
    ) -> None:
        self.name = name
        self.stop_signal = stop_signal
        self.die_with_parent = die_with_parent
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0  # where the current run's output starts in the (appended) log

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _argv(self) -> list[str]:
        # If we die without stopping the child (SIGKILL, OOM), the kernel sends it stop_signal: nothing is
        # left behind. The signal fires when the *thread* that forked exits, so only from the main thread.
        setpriv = shutil.which("setpriv")
        if self.die_with_parent and setpriv and threading.current_thread() is threading.main_thread():
            return [setpriv, f"--pdeathsig={self.stop_signal.name.removeprefix('SIG')}", "--", *self.argv]
        return self.argv

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self._argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, check: Callable[[], bool], timeout: float, what: str = "ready") -> float:
        """Polls `check` until true; returns the seconds it took. Fails fast when the process exits."""
        started = time.monotonic()
        deadline = started + timeout
        delay = 0.01
        while True:
            if not self.running():
                code = self.proc.returncode if self.proc else None
                error = PortInUseError if _PORT_TAKEN.search(self._run_output()) else ServerStartError
                raise error(
                    f"{self.name} exited (code {code}) before it was {what}; log {self.log_path}:\n"
                    f"{log_tail(self.log_path)}"
                )
            with contextlib.suppress(Exception):
                if check():
                    return time.monotonic() - started
            if time.monotonic() > deadline:
                self.stop(timeout=2)
                raise ServerStartError(
                    f"{self.name} was not {what} within {timeout:.0f} s; log {self.log_path}:\n"
                    f"{log_tail(self.log_path)}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.1)

    def _run_output(self) -> str:
        """What the current run wrote to the log."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """stop_signal (SIGTERM) to the leader, SIGKILL to the whole group after `timeout`; never waits forever."""
        proc = self.proc
        if proc is None:
            return
        # The leader only: it shuts its own children down in order (postgres backends, weed's goroutines).
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(self.stop_signal)
        _wait_unreaped(proc, timeout)
        # Children that outlived the leader (or a leader that ignored SIGTERM) are killed with the group.
        # The leader is not reaped yet, so its pid (= the group id) cannot have been reused: this can only
        # reach our own group, never a stranger's new session that happened to get the same number.
        if proc.returncode is None:
            self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL to the whole group at once, as a crash or the OOM killer would: no shutdown code runs.
        `start()` runs the same argv again (same ports, same data, the log appended)."""
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:  # not reaped yet: its pid (= the group id) is still ours, as in stop()
            self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        self.proc = None

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)
