"""CreateUpload → PUT → CompleteUpload against real PostgreSQL, SeaweedFS (signatures checked) and NATS."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.db import ACTIVITY_CHANNEL
from fitcoach_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from fitcoach_runtime.events import SUBJECT_UPLOAD_COMPLETED
from fitcoach_runtime.storage import object_key
from upload_service.main import Components
from upload_service.service import UploadService

STREAM = "FITCOACH_UPLOADS"  # NATS_STREAM in conftest's upload_env


async def outbox_rows(parts: Components) -> list[dict]:
    rows = await parts.pool.fetch("SELECT id::text, subject, payload, published_at FROM upload.outbox")
    return [dict(r) for r in rows]


async def stream_messages(parts: Components) -> int:
    return (await parts.js.stream_info(STREAM)).state.messages


async def test_upload_roundtrip_publishes_upload_completed(
    parts, user_id, make_file, put, s3_bucket, relay_running, eventually
):
    fit = make_file(5000)
    sub = await parts.js.subscribe(SUBJECT_UPLOAD_COMPLETED, stream=STREAM)

    ticket = await parts.service.create_upload(user_id, "Morning Run.fit", fit.size, fit.sha256)
    assert not ticket.duplicate
    assert set(ticket.headers) >= {"Content-Length", "Content-Type", "x-amz-checksum-sha256"}
    assert ticket.headers["Content-Length"] == str(fit.size)
    now = dt.datetime.now(dt.UTC)
    assert now + dt.timedelta(seconds=800) < ticket.expires_at <= now + dt.timedelta(seconds=901)

    response = await put(ticket, fit.body)
    assert response.status_code == 200, response.text

    activity_id, status = await parts.service.complete_upload(user_id, ticket.activity_id)
    assert (activity_id, status) == (ticket.activity_id, "uploaded")
    row = await parts.pool.fetchrow("SELECT * FROM upload.activities WHERE id = $1", activity_id)
    assert row["status"] == "uploaded" and row["uploaded_at"] is not None
    assert row["object_key"] == object_key(user_id, activity_id) and row["file_name"] == "Morning Run.fit"
    [outbox] = await outbox_rows(parts)
    assert outbox["published_at"] is None and outbox["subject"] == SUBJECT_UPLOAD_COMPLETED

    # The relay runs as the service runs it: woken by the completing transaction's notification.
    await relay_running()
    msg = await sub.next_msg(timeout=5)
    # The relay marks the row after JetStream's ack, so the mark may land just after delivery.
    published = await eventually(
        lambda: parts.pool.fetchval("SELECT published_at FROM upload.outbox WHERE id = $1", outbox["id"])
    )
    event = events_pb2.UploadCompleted.FromString(msg.data)
    assert msg.headers["Nats-Msg-Id"] == event.event_id == outbox["id"]
    assert event.activity_id == activity_id and event.user_id == user_id
    assert (event.bucket, event.object_key) == (s3_bucket.bucket, row["object_key"])
    assert (event.size_bytes, event.sha256) == (fit.size, fit.sha256)
    assert event.uploaded_at.ToDatetime(dt.UTC) == row["uploaded_at"]
    assert published >= row["uploaded_at"]
    assert await stream_messages(parts) == 1


async def test_same_file_again_answers_with_the_existing_activity(parts, user_id, make_file, put):
    fit = make_file()
    first = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(first, fit.body)).status_code == 200
    await parts.service.complete_upload(user_id, first.activity_id)

    again = await parts.service.create_upload(user_id, "renamed.fit", fit.size, fit.sha256)
    assert again.activity_id == first.activity_id
    assert again.duplicate and again.url == "" and not again.headers
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities") == 1

    # Another user uploading the same bytes gets an activity of their own.
    other = await parts.service.create_upload(str(uuid.uuid4()), "a.fit", fit.size, fit.sha256)
    assert other.activity_id != first.activity_id and not other.duplicate


async def test_interrupted_upload_is_resumed_with_a_fresh_url(parts, user_id, make_file, put):
    fit = make_file()
    first = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    # The client never PUT (or lost the connection); it uploads the same file again.
    again = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert again.activity_id == first.activity_id and not again.duplicate and again.url
    # Even once the URL expired (client offline for a while), the same file resumes the same activity.
    await parts.pool.execute("UPDATE upload.activities SET url_expires_at = now() - interval '1 hour'")
    again = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert again.activity_id == first.activity_id and not again.duplicate
    assert again.expires_at > dt.datetime.now(dt.UTC)
    assert await parts.pool.fetchval("SELECT url_expires_at FROM upload.activities") == again.expires_at
    assert (await put(again, fit.body)).status_code == 200
    assert await parts.service.complete_upload(user_id, again.activity_id) == (first.activity_id, "uploaded")

    with pytest.raises(InvalidArgument):  # same sha256 with another size cannot be the same file
        await parts.service.create_upload(user_id, "b.fit", fit.size + 1, fit.sha256)


async def test_concurrent_creates_of_one_file_make_one_activity(parts, user_id, make_file):
    fit = make_file()
    tickets = await asyncio.gather(
        *(parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256) for _ in range(5))
    )
    assert len({t.activity_id for t in tickets}) == 1
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities") == 1


@pytest.mark.parametrize(
    ("size", "sha256"),
    [
        (50 * 1024 * 1024 + 1, "a" * 64),  # over MAX_UPLOAD_BYTES (default 50 MiB)
        (0, "a" * 64),
        (-5, "a" * 64),
        (100, "A" * 64),  # upper-case hex
        (100, "a" * 63),
        (100, "g" * 64),
    ],
)
async def test_create_rejects_invalid_requests(parts, user_id, size, sha256):
    with pytest.raises(InvalidArgument):
        await parts.service.create_upload(user_id, "a.fit", size, sha256)
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities") == 0


async def test_max_size_is_accepted(parts, user_id):
    ticket = await parts.service.create_upload(user_id, "big.fit", 50 * 1024 * 1024, "b" * 64)
    assert ticket.headers["Content-Length"] == str(50 * 1024 * 1024)


async def test_complete_by_another_user_or_unknown_id_is_not_found(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    with pytest.raises(NotFound):
        await parts.service.complete_upload(str(uuid.uuid4()), ticket.activity_id)
    with pytest.raises(NotFound):
        await parts.service.complete_upload(user_id, str(uuid.uuid4()))
    with pytest.raises(InvalidArgument):
        await parts.service.complete_upload(user_id, "not-a-uuid")
    assert await parts.pool.fetchval("SELECT status FROM upload.activities") == "pending"
    assert await outbox_rows(parts) == []


async def test_complete_before_put_fails_precondition(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    with pytest.raises(FailedPrecondition, match="object not uploaded"):
        await parts.service.complete_upload(user_id, ticket.activity_id)
    assert await outbox_rows(parts) == []


async def test_complete_after_url_expiry_without_object_fails_precondition(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    later = UploadService(
        parts.service.activities,
        parts.service.objects,
        max_upload_bytes=parts.service.max_upload_bytes,
        url_ttl_s=parts.service.url_ttl_s,
        clock=lambda: ticket.expires_at + dt.timedelta(seconds=1),
    )
    with pytest.raises(FailedPrecondition, match="expired"):
        await later.complete_upload(user_id, ticket.activity_id)


async def test_complete_with_wrong_stored_size_fails_precondition(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    # A store that doesn't enforce the signed length (or a writer with the bucket's keys) left other bytes.
    key = object_key(user_id, ticket.activity_id)
    await parts.service.objects.client.put_object(Bucket=parts.service.objects.bucket, Key=key, Body=b"short")
    with pytest.raises(FailedPrecondition, match="5 bytes"):
        await parts.service.complete_upload(user_id, ticket.activity_id)
    assert await outbox_rows(parts) == []


async def test_complete_twice_is_a_no_op(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    first = await parts.service.complete_upload(user_id, ticket.activity_id)
    second = await parts.service.complete_upload(user_id, ticket.activity_id)
    assert first == second == (ticket.activity_id, "uploaded")
    assert len(await outbox_rows(parts)) == 1


async def test_concurrent_double_complete_makes_one_state_change_and_one_event(
    parts, user_id, make_file, put
):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    results = await asyncio.gather(
        *(parts.service.complete_upload(user_id, ticket.activity_id) for _ in range(8))
    )
    assert set(results) == {(ticket.activity_id, "uploaded")}
    assert len(await outbox_rows(parts)) == 1
    assert await parts.relay.drain() == 1
    assert await stream_messages(parts) == 1


async def test_status_changes_are_notified(parts, user_id, make_file, put):
    fit = make_file()
    seen: asyncio.Queue[str] = asyncio.Queue()
    async with parts.pool.acquire() as conn:
        await conn.add_listener(ACTIVITY_CHANNEL, lambda *args: seen.put_nowait(args[3]))
        ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
        assert await asyncio.wait_for(seen.get(), 5) == ticket.activity_id  # created (pending)
        assert (await put(ticket, fit.body)).status_code == 200
        await parts.service.complete_upload(user_id, ticket.activity_id)
        assert await asyncio.wait_for(seen.get(), 5) == ticket.activity_id  # uploaded
        await conn.reset()


async def test_file_name_is_cleaned(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(
        user_id, "C:\\Users\\me\\run\x00\x1b[31m.fit  ", fit.size, fit.sha256
    )
    name = await parts.pool.fetchval(
        "SELECT file_name FROM upload.activities WHERE id = $1", ticket.activity_id
    )
    assert name == "run[31m.fit"
    fit2 = make_file()
    ticket2 = await parts.service.create_upload(user_id, "x" * 1000, fit2.size, fit2.sha256)
    assert (
        len(
            await parts.pool.fetchval(
                "SELECT file_name FROM upload.activities WHERE id = $1", ticket2.activity_id
            )
        )
        == 255
    )
