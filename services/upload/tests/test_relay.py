"""The outbox relay: at-least-once publishing with Nats-Msg-Id, across crashes, restarts and NATS outages."""

from __future__ import annotations

import asyncio

import pytest
from fitcoach.upload.v1 import events_pb2
from upload_service.relay import OutboxRelay, PublishFailed
from upload_service.repository import OutboxRepository

STREAM = "FITCOACH_UPLOADS"  # NATS_STREAM in conftest's upload_env


async def completed_upload(parts, user_id, make_file, put) -> str:
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    await parts.service.complete_upload(user_id, ticket.activity_id)
    return ticket.activity_id


async def stream_messages(parts) -> int:
    return (await parts.js.stream_info(STREAM)).state.messages


async def unpublished(parts) -> int:
    return await parts.pool.fetchval("SELECT count(*) FROM upload.outbox WHERE published_at IS NULL")


async def no_unpublished(parts) -> bool:
    return await unpublished(parts) == 0


async def test_events_committed_while_no_relay_ran_are_published_when_it_starts(
    parts, user_id, make_file, put, relay_running, eventually
):
    ids = [await completed_upload(parts, user_id, make_file, put) for _ in range(3)]
    assert await unpublished(parts) == 3 and await stream_messages(parts) == 0

    await relay_running()
    await eventually(lambda: no_unpublished(parts))
    assert await stream_messages(parts) == 3
    published = {
        events_pb2.UploadCompleted.FromString((await parts.js.get_msg(STREAM, seq)).data).activity_id
        for seq in (1, 2, 3)
    }
    assert published == set(ids)


async def test_relays_on_several_replicas_publish_each_event_once(parts, user_id, make_file, put):
    for _ in range(6):
        await completed_upload(parts, user_id, make_file, put)
    replicas = [
        OutboxRelay(OutboxRepository(parts.pool), parts.js, stream=STREAM, batch_size=2) for _ in range(3)
    ]
    results = await asyncio.gather(*(r.drain() for r in replicas))
    assert sum(results) == 6
    assert await unpublished(parts) == 0
    assert await stream_messages(parts) == 6


async def test_nats_outage_is_retried_until_published(
    parts, nats_server, user_id, make_file, put, relay_running, eventually
):
    await completed_upload(parts, user_id, make_file, put)
    nats_server.stop()
    failing = OutboxRelay(OutboxRepository(parts.pool), parts.js, stream=STREAM, publish_timeout_s=0.3)
    with pytest.raises(PublishFailed):
        await failing.drain()
    assert await unpublished(parts) == 1

    await relay_running()
    await asyncio.sleep(0.5)  # the relay fails and backs off while NATS is down
    assert await unpublished(parts) == 1
    nats_server.start()  # same port and store; the client reconnects
    await eventually(lambda: no_unpublished(parts), timeout_s=15)
    assert await stream_messages(parts) == 1
