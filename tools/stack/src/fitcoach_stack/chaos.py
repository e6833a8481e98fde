"""The chaos loop: SIGKILL a random part of a running Stack at a random moment, and start it again in place.

Parts are grouped by kind (`upload`, `analyzer`, `advisor`, `envoy`, `nats`, `postgres`); a kill picks one
part of the kind (an analyzer replica, a NATS cluster node). One part is down at a time. The first round
takes every kind once, in random order, so even a short run kills each kind at least once.

Kills and restarts happen on the thread that calls `run()`: the stack's children get a parent-death signal
bound to the thread that forked them (see ManagedProcess), so that thread must outlive them — call `run()`
from the main thread and put the workload on another.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from fitcoach_stack.stack import Stack, service_of

KINDS = ("upload", "analyzer", "advisor", "envoy", "nats", "postgres")


@dataclass(frozen=True)
class Kill:
    """One kill: which part, when (seconds since the loop began), how long it stayed down, how long its
    restart took until it was ready again."""

    part: str
    at_s: float
    down_s: float
    restart_s: float


@dataclass
class ChaosMonkey:
    stack: Stack
    kinds: Sequence[str] = KINDS
    # Seconds between the end of one restart and the next kill, and how long a killed part stays down.
    pause_s: tuple[float, float] = (0.5, 3.0)
    down_s: tuple[float, float] = (0.0, 1.5)
    seed: int | None = None
    kills: list[Kill] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        parts = self.stack.killable()
        self._parts = {kind: [p for p in parts if service_of(p) == kind] for kind in self.kinds}
        missing = [kind for kind, found in self._parts.items() if not found]
        if missing:
            raise ValueError(f"nothing of kind {missing} to kill in this stack (external servers?)")

    def kills_by_kind(self) -> Counter[str]:
        return Counter(service_of(kill.part) for kill in self.kills)

    def covered(self) -> bool:
        return set(self.kills_by_kind()) >= set(self.kinds)

    def run(self, stop: threading.Event) -> None:
        """Kill and restart until `stop` is set and every kind was killed at least once."""
        started = time.monotonic()
        first_round = list(self.kinds)
        self._random.shuffle(first_round)
        while not (stop.is_set() and self.covered()):
            if stop.wait(self._random.uniform(*self.pause_s)) and self.covered():
                break
            kind = first_round.pop() if first_round else self._random.choice(list(self.kinds))
            part = self._random.choice(self._parts[kind])
            at = time.monotonic() - started
            self.stack.kill(part)
            down = self._random.uniform(*self.down_s)
            time.sleep(down)
            restart_began = time.monotonic()
            self.stack.start_again(part)
            self.kills.append(Kill(part, at, down, time.monotonic() - restart_began))
