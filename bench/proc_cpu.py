"""CPU time per part of a running stack, read from /proc: each process with everything it started.

A part is a direct child of the stack's root process (the bench itself, or `fitcoach-stack run`) and its
descendants: PostgreSQL counts its backends, the analyzer is split into the service process and its decode
workers (forkserver and workers). Exited children count through their parent's `cutime`/`cstime`, so a
recycled worker's time is not lost. The calling process's own time is the load generator's.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
LOAD_GENERATOR = "load generator (bench)"


@dataclass(frozen=True)
class _Proc:
    ppid: int
    own_s: float  # utime + stime
    reaped_s: float  # cutime + cstime: children that exited and were waited for
    argv: tuple[str, ...]


def _read(pid: int) -> _Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        argv = tuple(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat.rsplit(")", 1)[
        1
    ].split()  # after "pid (comm)": state ppid ... utime(11) stime cutime cstime
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return _Proc(int(fields[1]), (utime + stime) * _TICK_S, (cutime + cstime) * _TICK_S, argv)


def _part(argv: tuple[str, ...]) -> str:
    text = " ".join(argv)
    for module, name in (("upload_service", "upload (+ outbox relay)"), ("analyzer_service", "analyzer"),
                         ("advisor_service", "advisor"), ("fitcoach_web", "web app server")):  # fmt: skip
        if module in text:
            return name
    program = Path(argv[0]).name if argv else "?"
    return {"postgres": "PostgreSQL", "nats-server": "NATS", "weed": "SeaweedFS", "envoy": "Envoy"}.get(
        program, program
    )


def snapshot(root: int) -> dict[str, float]:
    """CPU seconds used so far by each part under `root`, and by this process (the load generator)."""
    procs = {
        int(p.name): info for p in Path("/proc").iterdir() if p.name.isdigit() if (info := _read(int(p.name)))
    }
    totals: dict[str, float] = defaultdict(float)
    for pid, proc in procs.items():
        if pid in (root, os.getpid()):
            continue  # the stack's parts are root's children; this process is counted below
        chain = [pid]
        while chain[-1] in procs and procs[chain[-1]].ppid not in (root, 0, 1):
            chain.append(procs[chain[-1]].ppid)
        top = chain[-1]
        if top not in procs or procs[top].ppid != root:
            continue  # not part of this stack
        part = _part(procs[top].argv)
        if part == "analyzer" and pid != top:
            part = "analyzer decode workers"
        totals[part] += proc.own_s + proc.reaped_s
    mine = os.times()
    totals[LOAD_GENERATOR] = mine.user + mine.system
    return dict(totals)


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in sorted(set(before) | set(after))}
