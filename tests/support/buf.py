"""`buf curl`, the command-line gRPC client the README's examples use (installed in node_modules by `make venv`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

BUF = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "buf"


def buf_curl(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`buf curl` over native gRPC (HTTP/2 without TLS) with `args`; the caller checks the return code."""
    return subprocess.run(
        [str(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
