"""Fixtures for the cross-service tests: the whole FitCoach system, started once per test session."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fitcoach_stack.stack import Stack

# Test modules import their shared helpers as `support` (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API keeps its own asyncio loop running in the main thread
    while the session's browser is open, so an async test after them could not start its loop; last, they
    still share one browser (and the stack) for the whole session."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: object, s3_server: object
) -> Iterator[Stack]:
    """Every service, the web app (web/dist: `make web`), Envoy and a private NATS; PostgreSQL and SeaweedFS
    are the session's shared servers (a fresh database and bucket), which saves their start-up time. Shared
    by the end-to-end and the browser tests."""
    env = {
        "DATABASE_URL": postgres_server.create_database(),  # type: ignore[attr-defined]
        **s3_server.env(),  # type: ignore[attr-defined]
        "R2_BUCKET_NAME": f"e2e-{uuid.uuid4().hex[:8]}",
        # Deleted activities' analyzer rows are purged within a second (tests wait for it).
        "DELETED_PURGE_INTERVAL_S": "1",
        "METRICS_REFRESH_S": "1",  # the scrape test reads the dashboard gauges soon after a change
    }
    with Stack(tmp_path_factory.mktemp("stack"), env=env, web=True) as running:
        yield running
