"""Shared fixtures of the runtime tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
