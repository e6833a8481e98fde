"""Progress: every failure counted, the first `max_failures_kept` kept for the operator, snapshots detached."""

from __future__ import annotations

from dataclasses import dataclass

from fitcoach_runtime.progress import Progress


@dataclass
class Run(Progress[str]):
    max_failures_kept = 3

    done: int = 0

    @property
    def handled(self) -> int:
        return self.done + self.failed

    @property
    def planned(self) -> int:
        return 10


def test_every_failure_is_counted_and_only_the_first_ones_are_kept() -> None:
    run = Run()
    for n in range(5):
        run.count_failure(f"item {n}")
    assert run.failed == 5
    assert run.failures == ["item 0", "item 1", "item 2"]
    assert run.handled == 5


def test_a_snapshot_keeps_its_failures_while_the_run_goes_on() -> None:
    run = Run()
    run.count_failure("first")
    snapshot = run.snapshot()
    run.count_failure("second")
    assert (snapshot.failed, snapshot.failures) == (1, ["first"])
    assert (run.failed, run.failures) == (2, ["first", "second"])
