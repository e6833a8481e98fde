"""A FitCoach service run the way an operator runs it (`python -m <name>_service`), for tests that signal or
kill a real process: its JSON log lines appended to a file, the port read back from its "serving" line.

    process = ServiceProcess("upload", env, tmp_path / "upload.log")
    port = await process.start()       # launched, and serving
    process.send(signal.SIGTERM)
    assert await process.exit_code(within_s=15) == 0
    process.kill()                     # SIGKILL to its whole session, as a crash or the OOM killer would

Each start appends to the same log; `records()` reads this start's lines only. The `service_processes`
fixture (pytest_plugin) kills every process a test made when it ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fitcoach_stack.pytest_plugin import env_for


class ServiceProcess:
    def __init__(
        self,
        name: str,
        env: Mapping[str, str],
        log: Path,
        *,
        module: str | None = None,
        args: Sequence[str] = (),
        pythonpath: Path | None = None,
    ) -> None:
        """name: the service ("upload"), as its "<name> serving" log line says. module: what `python -m`
        runs (default `<name>_service`; a test-only entry point, say). pythonpath: a folder to import from
        too (the tests' own packages)."""
        self.name = name
        self.env = dict(env)
        self.log = log
        self.argv = [sys.executable, "-m", module or f"{name}_service", *args]
        self.pythonpath = pythonpath
        self.process: subprocess.Popen[bytes] | None = None
        self._offset = 0

    def launch(self) -> None:
        """Start a process (without waiting for it to serve)."""
        env = env_for(self.env, {"LOG_FORMAT": "json"})
        if self.pythonpath is not None:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.pythonpath), env.get("PYTHONPATH")) if p)
        self._offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as stderr:
            # Its own session, so kill() takes its children along (decode workers, the forkserver).
            self.process = subprocess.Popen(
                self.argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
            )

    async def start(self, within_s: float = 30) -> int:
        """Launch a process and wait until it serves; returns its gRPC port."""
        self.launch()
        return await self.port(within_s)

    async def port(self, within_s: float = 30) -> int:
        """The port from this start's "<name> serving" line, once it is written (fails if the process ends)."""
        # Generous: a service starts in about a second, but the machine running the tests may be loaded.
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for record in self.records():
                if record.get("msg") == f"{self.name} serving":
                    return int(record["port"])
            assert self.running(), f"{self.name} exited before it served:\n{self.tail()}"
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} did not serve within {within_s:.0f} s:\n{self.tail()}")

    def records(self) -> Iterator[dict[str, Any]]:
        """This start's JSON log records."""
        with self.log.open("rb") as f:
            f.seek(self._offset)
            for line in f.read().decode(errors="replace").splitlines():
                if line.startswith("{"):
                    yield json.loads(line)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, sig: signal.Signals) -> None:
        """A signal to the service itself (SIGTERM: the graceful stop an orchestrator sends)."""
        assert self.process is not None, "launch() first"
        self.process.send_signal(sig)

    async def exit_code(self, within_s: float) -> int:
        """Wait for the process to end; fails if it is still running after `within_s`."""
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + within_s
        while (code := self.process.poll()) is None:
            assert time.monotonic() < deadline, f"{self.name} still running after {within_s:.0f} s"
            await asyncio.sleep(0.05)
        return code

    def kill(self) -> int | None:
        """SIGKILL to the whole session, no goodbye: what a crash or an OOM kill does. Returns the exit code
        (None when never launched)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=20)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log written)"
