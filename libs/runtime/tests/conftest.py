"""Shared fixtures of the runtime tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from fitcoach_runtime.grpc_client import insecure_channel
from fitcoach_runtime.grpc_server import RunningServer

# --import-mode=importlib does not put test folders on sys.path; the helpers live in runtime_testkit/.
sys.path.insert(0, str(Path(__file__).parent))

from runtime_testkit.jwks import JwksServer


@pytest.fixture(scope="session")
def _jwks_process_server() -> Iterator[JwksServer]:
    server = JwksServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def jwks_server(_jwks_process_server: JwksServer) -> JwksServer:
    """The shared JWKS endpoint, emptied and with its request count reset for this test."""
    _jwks_process_server.reset()
    return _jwks_process_server


@pytest.fixture(scope="module")
async def channel(server: RunningServer) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the test module's own `server` fixture."""
    async with insecure_channel(f"127.0.0.1:{server.port}") as chan:
        yield chan
