"""Progress of a long operation an operator runs (a replay, a migration): counts, rate and ETA, streamed as
snapshots while the work runs — what OpsService's streaming RPCs send, in both services that serve one."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

P = TypeVar("P", bound="Progress[Any]")
F = TypeVar("F")


@dataclass
class Progress(Generic[F]):
    """A run's clock and failures; subclasses add their counts and say what `handled` and `planned` are."""

    # A run over a bad data set may fail millions of times: the operator sees the count and the first ones.
    max_failures_kept: ClassVar[int] = 100

    failed: int = field(default=0, kw_only=True)
    failures: list[F] = field(default_factory=list, kw_only=True)
    final: bool = field(default=False, kw_only=True)
    started: float = field(default_factory=time.monotonic, repr=False, kw_only=True)

    def count_failure(self, failure: F) -> None:
        """One more failed; its details kept while fewer than `max_failures_kept` are."""
        self.failed += 1
        if len(self.failures) < self.max_failures_kept:
            self.failures.append(failure)

    @property
    def handled(self) -> int:
        raise NotImplementedError

    @property
    def planned(self) -> int:
        raise NotImplementedError

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate_per_s(self) -> float:
        return self.handled / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float:
        rate = self.rate_per_s
        return max(0, self.planned - self.handled) / rate if rate > 0 and not self.final else 0.0

    def snapshot(self: P) -> P:
        """A copy to send while the run goes on changing this one (its lists copied too)."""
        copied = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, list):
                setattr(copied, name, list(value))
        return copied


async def progress_while(work: Awaitable[None], progress: P, every_s: float) -> AsyncIterator[P]:
    """Run `work`, yielding a snapshot of `progress` every `every_s` seconds meanwhile, then the final one
    (`final` set). Errors of the work propagate; closing the iterator early cancels the work."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait([task], timeout=every_s)
            if not task.done():
                yield progress.snapshot()
        await task
        progress.final = True
        yield progress.snapshot()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
