"""Logging: JSON lines with the job's context, carried across awaits and into tasks; console format."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from fitcoach_runtime.logging import ConsoleFormatter, JsonFormatter, configure_logging, log_context

log = logging.getLogger("fitcoach.test")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler on the root logger, as configure_logging installs, writing into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter("svc"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_context_follows_awaits_and_tasks(captured: io.StringIO) -> None:
    async def job(activity_id: str) -> None:
        with log_context(activity_id=activity_id, user_id="u-" + activity_id):
            await asyncio.sleep(0.01)  # interleave with the other job
            log.info("decoded")
            await asyncio.create_task(child())
        log.info("after")

    async def child() -> None:
        with log_context(step="advice"):
            log.info("child", extra={"fields": {"engine": "offline"}})

    await asyncio.gather(job("a1"), job("a2"))
    got = lines(captured)
    decoded = sorted((r["activity_id"], r["user_id"]) for r in got if r["msg"] == "decoded")
    assert decoded == [("a1", "u-a1"), ("a2", "u-a2")]
    children = sorted((r["activity_id"], r["step"], r["engine"]) for r in got if r["msg"] == "child")
    assert children == [("a1", "advice", "offline"), ("a2", "advice", "offline")]
    after = [r for r in got if r["msg"] == "after"]
    assert len(after) == 2 and all("activity_id" not in r for r in after)  # the block's end unbinds


def test_json_line_shape_and_exceptions(captured: io.StringIO) -> None:
    with log_context(level="spoofed", msg="spoofed", activity_id="a1"):
        try:
            raise ValueError("bad fit file")
        except ValueError:
            log.exception("failed\nwith newline", extra={"fields": {"size": 3, "when": object()}})
    (line,) = captured.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "error" and record["msg"] == "failed\nwith newline"  # context cannot spoof
    assert (record["service"], record["logger"], record["activity_id"], record["size"]) == (
        "svc",
        "fitcoach.test",
        "a1",
        3,
    )
    assert record["ts"].endswith("+00:00")
    assert "ValueError: bad fit file" in record["exc"]
    assert str(record["when"]).startswith("<object")


def test_console_format() -> None:
    record = logging.LogRecord("fitcoach.x", logging.WARNING, __file__, 1, "slow %s", ("call",), None)
    record.fields = {"ms": 12}
    with log_context(activity_id="a9"):
        text = ConsoleFormatter("upload").format(record)
    assert text.endswith("WARNING upload fitcoach.x: slow call activity_id=a9 ms=12")


def test_configure_logging_replaces_handlers_and_quiets_libraries() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("botocore").level)
    try:
        configure_logging("svc", "debug", "console")
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, ConsoleFormatter)
        assert root.level == logging.DEBUG
        assert logging.getLogger("botocore").level == logging.WARNING
        configure_logging("svc", "INFO", "json")
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("botocore").setLevel(saved[2])
