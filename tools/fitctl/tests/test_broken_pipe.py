"""`fitctl ... | head`: when the reader goes away fitctl stops quietly, without a traceback."""

from __future__ import annotations

import subprocess
import sys

from fitcoach_stack.fixtures import FIT as FIXTURES


def test_closed_stdout_ends_quietly() -> None:
    files = [str(p) for p in sorted(FIXTURES.resolve().glob("*.fit"))]
    with subprocess.Popen(
        [sys.executable, "-m", "fitctl", "analyze", "--json", *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(10)  # the first object has started...
        proc.stdout.close()  # ...and the reader leaves, like `| head -c 10`
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert code == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
