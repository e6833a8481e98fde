"""Stand-ins for a hostile decoder or a buggy metrics step, injected as `AnalysisCode` in tests only.

Real files stop being slow as the decoder gets faster, so the limits are proven against code that is
pathological by construction: a decoder that never returns, one that spins on the CPU, one that eats memory,
one that crashes the process; and metrics code with a bug in it.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from analyzer_service.worker import AnalysisCode
from fitcoach_analysis import analyze_decoded
from fitcoach_analysis.fit import decode


def hang(data: bytes) -> Any:
    """Waits forever, like a decoder stuck on I/O or a lock (no CPU used: only the parent's kill stops it)."""
    while True:
        time.sleep(0.05)


def spin(data: bytes) -> Any:
    """Burns CPU forever, like a decoder in an endless loop."""
    while True:
        pass


def hog(data: bytes) -> Any:
    """Allocates without bound, like a decoder trusting a huge size field."""
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))


def crash(data: bytes) -> Any:
    """Dies the way a segfaulting native decoder does."""
    os.abort()


# Where `slow` writes the sha256 of the bytes it was given, so a test knows the object was read before it acts.
DECODE_STARTED_FILE = "ANALYZER_TEST_DECODE_STARTED_FILE"


def slow(data: bytes) -> Any:
    """The real decoder, after 2.5 s: work that outlasts a short ack_wait or shutdown grace."""
    if marker := os.environ.get(DECODE_STARTED_FILE):
        Path(marker).write_text(hashlib.sha256(data).hexdigest())
    time.sleep(2.5)
    return decode(data)


def buggy_metrics(decoded: Any, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """Metrics code with a bug: fails on a perfectly good file."""
    raise ZeroDivisionError("float division by zero")


_imported_while_decoding: list[str] = []


def traced_decode(data: bytes) -> Any:
    """The real decoder, noting the modules it had to import (a warm worker imports none)."""
    before = set(sys.modules)
    decoded = decode(data)
    _imported_while_decoding[:] = sorted(set(sys.modules) - before)
    return decoded


def traced_metrics(decoded: Any, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """The real metrics, reporting the worker's pid and the modules the job had to import."""
    before = set(sys.modules)
    analysis = analyze_decoded(decoded, profile, stream_points=stream_points)
    imported = _imported_while_decoding + sorted(set(sys.modules) - before)
    return {**analysis, "worker_pid": os.getpid(), "imported": imported}


STAND_INS = {
    "hang": AnalysisCode(decode=hang),
    "spin": AnalysisCode(decode=spin),
    "hog": AnalysisCode(decode=hog),
    "crash": AnalysisCode(decode=crash),
    "slow": AnalysisCode(decode=slow),
    "buggy_metrics": AnalysisCode(metrics=buggy_metrics),
    "traced": AnalysisCode(decode=traced_decode, metrics=traced_metrics),
}
