"""The upload-events stream on a real (private) NATS: created, then brought back to its configuration."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from fitcoach_runtime.events import (
    DUPLICATE_WINDOW_S,
    STREAM_MAX_AGE_S,
    STREAM_SUBJECTS,
    SUBJECT_UPLOAD_COMPLETED,
    connect_nats,
    ensure_stream,
)
from fitcoach_runtime.settings import NatsSettings, SettingsError, load_settings
from nats.js.api import RetentionPolicy, StorageType

STREAM = "FITCOACH_UPLOADS_TEST"


async def test_ensure_stream_creates_then_updates_idempotently(nats_server: Any) -> None:
    # A private server: the stream's subjects may overlap no other stream, so it cannot share the session's.
    nc = await connect_nats(NatsSettings(url=f" {nats_server.url} ,"), "runtime-test")
    try:
        js = nc.jetstream()
        await ensure_stream(js, STREAM)
        config = (await js.stream_info(STREAM)).config
        assert config.subjects == STREAM_SUBJECTS
        assert config.retention == RetentionPolicy.LIMITS  # events are kept for replay, not consumed away
        assert config.storage == StorageType.FILE
        assert config.max_age == STREAM_MAX_AGE_S == 365 * 24 * 3600
        assert config.duplicate_window == DUPLICATE_WINDOW_S == 120

        # Drift (an operator edit, an older deployment) is corrected on the next start...
        await js.update_stream(config=dataclasses.replace(config, max_age=3600.0, duplicate_window=30.0))
        assert (await js.stream_info(STREAM)).config.max_age == 3600
        # ...and two replicas starting at once both succeed.
        await asyncio.gather(ensure_stream(js, STREAM), ensure_stream(js, STREAM))
        restored = (await js.stream_info(STREAM)).config
        assert (restored.max_age, restored.duplicate_window) == (STREAM_MAX_AGE_S, DUPLICATE_WINDOW_S)
        assert len(await js.streams_info()) == 1

        # The duplicate window is real: a republished message id is stored once.
        for _ in range(2):
            ack = await js.publish(SUBJECT_UPLOAD_COMPLETED, b"event", headers={"Nats-Msg-Id": "act-1"})
        assert ack.duplicate is True
        assert (await js.stream_info(STREAM)).state.messages == 1
    finally:
        await nc.close()


async def test_streams_created_concurrently_from_scratch(nats_server: Any) -> None:
    clients = [await connect_nats(NatsSettings(url=nats_server.url), f"replica-{i}") for i in range(2)]
    try:
        await asyncio.gather(*(ensure_stream(c.jetstream(), STREAM) for c in clients))
        info = await clients[0].jetstream().stream_info(STREAM)
        assert info.config.duplicate_window == DUPLICATE_WINDOW_S
    finally:
        for client in clients:
            await client.close()


async def _publish_once_leader_answers(js: Any, payload: bytes, msg_id: str, within_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        try:
            await js.publish(SUBJECT_UPLOAD_COMPLETED, payload, headers={"Nats-Msg-Id": msg_id}, timeout=2)
            return
        except Exception:
            assert asyncio.get_running_loop().time() < deadline, (
                f"no stream leader took a publish in {within_s} s"
            )
            await asyncio.sleep(0.25)


async def test_the_stream_is_replicated_as_configured_and_survives_losing_a_node(nats_cluster: Any) -> None:
    settings = load_settings(NatsSettings, {"NATS_URL": nats_cluster.url, "NATS_STREAM_REPLICAS": "3"})
    assert len(settings.servers) == 3
    nc = await connect_nats(settings, "runtime-test")
    try:
        js = nc.jetstream()
        await ensure_stream(js, STREAM, settings.stream_replicas)
        info = await js.stream_info(STREAM)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.leader
        assert len(info.cluster.replicas or []) == 2  # the leader plus two followers: one copy per node
        # A stream created a moment ago may not take publishes on every node yet (its subjects' interest is
        # still spreading through the cluster): wait for that as for a new leader below.
        await _publish_once_leader_answers(js, b"before", "e-1")

        # The node leading the stream dies: the other two elect a new leader and keep every event.
        leader = next(node for node in nats_cluster.nodes if node.name == info.cluster.leader)
        leader.kill()
        # Until the client has failed over and a new leader is elected, a publish is refused.
        await _publish_once_leader_answers(js, b"after", "e-2")
        info = await js.stream_info(STREAM)
        assert info.state.messages == 2
        assert info.cluster is not None and info.cluster.leader != leader.name
        leader.start()  # it rejoins and catches up on its own ports and store
    finally:
        await nc.close()


def test_stream_replicas_are_validated() -> None:
    with pytest.raises(SettingsError, match="NATS_STREAM_REPLICAS must be 1 to 5"):
        load_settings(NatsSettings, {"NATS_URL": "nats://x:4222", "NATS_STREAM_REPLICAS": "0"})
