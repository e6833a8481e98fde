"""Stand-ins for a hostile decoder, selected with DECODE_FUNCTION in tests.

Real files stop being slow as the decoder gets faster, so the limits are proven against decoders that are
pathological by construction: one that never returns, one that eats memory, one that crashes the process.
"""

from __future__ import annotations

import os
import time
from typing import Any


def hang(data: bytes, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """Spins like a decoder stuck in a loop."""
    while True:
        time.sleep(0.05)


def hog(data: bytes, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """Allocates without bound, like a decoder trusting a huge size field."""
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))


def crash(data: bytes, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """Dies the way a segfaulting native decoder does."""
    os.abort()


def slow(data: bytes, profile: Any = None, *, stream_points: int = 500) -> dict[str, Any]:
    """The real analysis, after 2.5 s: work that outlasts a short ack_wait."""
    from fitcoach_analysis import analyze

    time.sleep(2.5)
    return analyze(data, profile, stream_points=stream_points)
