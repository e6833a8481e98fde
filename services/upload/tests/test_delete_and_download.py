"""DeleteActivity and GetDownloadUrl: owner only, idempotent delete that removes the object, crash-safe."""

from __future__ import annotations

import uuid

import pytest
from fitcoach_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from upload_service.sweeper import PendingSweeper


async def _uploaded(parts, user_id, fit, put, name="ride.fit") -> str:
    ticket = await parts.service.create_upload(user_id, name, fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    await parts.service.complete_upload(user_id, ticket.activity_id)
    return ticket.activity_id


async def _object_key(parts, activity_id: str) -> str:
    return await parts.pool.fetchval("SELECT object_key FROM upload.activities WHERE id = $1", activity_id)


async def _object_exists(s3_bucket, key: str) -> bool:
    client = s3_bucket.credentials.client()
    return bool(client.list_objects_v2(Bucket=s3_bucket.bucket, Prefix=key).get("KeyCount"))


async def test_download_url_gives_the_exact_bytes_to_the_owner_only(parts, user_id, make_file, put, http):
    fit = make_file(5000)
    activity_id = await _uploaded(parts, user_id, fit, put, name="아침 달리기 (1).fit")
    activity, link = await parts.service.download_url(user_id, activity_id)
    response = await http.get(link.url)
    assert response.status_code == 200 and response.content == fit.body
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%EC%95%84%EC%B9%A8" in disposition
    assert activity.file_name == "아침 달리기 (1).fit"
    ttl = (link.expires_at - activity.uploaded_at).total_seconds()
    assert 0 < ttl <= 60 + 5  # short-lived (DOWNLOAD_URL_TTL_S, default 60 s)
    with pytest.raises(NotFound):
        await parts.service.download_url(str(uuid.uuid4()), activity_id)
    with pytest.raises(InvalidArgument):
        await parts.service.download_url(user_id, "not-a-uuid")


async def test_download_of_a_pending_upload_fails_precondition(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    with pytest.raises(FailedPrecondition):
        await parts.service.download_url(user_id, ticket.activity_id)


async def test_delete_removes_row_and_object_and_is_idempotent(parts, user_id, make_file, put, s3_bucket):
    fit = make_file()
    activity_id = await _uploaded(parts, user_id, fit, put)
    key = await _object_key(parts, activity_id)
    assert await _object_exists(s3_bucket, key)

    stranger = str(uuid.uuid4())
    assert await parts.service.delete_activity(stranger, activity_id) is False  # not theirs: nothing happens
    assert await _object_exists(s3_bucket, key)

    assert await parts.service.delete_activity(user_id, activity_id) is True
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.activities WHERE id = $1", activity_id) == 0
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.deletions") == 0
    assert not await _object_exists(s3_bucket, key)
    assert await parts.service.delete_activity(user_id, activity_id) is False  # again: still gone, no error
    with pytest.raises(NotFound):
        await parts.service.download_url(user_id, activity_id)

    # The same bytes can be uploaded again afterwards: a new activity, not a "duplicate" of a deleted one.
    again = await parts.service.create_upload(user_id, "ride.fit", fit.size, fit.sha256)
    assert not again.duplicate and again.activity_id != activity_id


async def test_object_left_by_a_crash_after_the_commit_is_deleted_by_the_sweeper(
    parts, user_id, make_file, put, s3_bucket
):
    fit = make_file()
    activity_id = await _uploaded(parts, user_id, fit, put)
    key = await _object_key(parts, activity_id)
    # The process dies right after the transaction: the row is gone, the object and the queue entry stay.
    deletion = await parts.service.activities.delete_for_user(activity_id, user_id)
    assert deletion is not None and deletion.object_key == key
    assert await _object_exists(s3_bucket, key)
    sweeper = PendingSweeper(
        parts.service.activities, parts.service.objects, abandon_after_s=3600, interval_s=60
    )
    assert await sweeper.finish_deletions_once() == 1
    assert not await _object_exists(s3_bucket, key)
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.deletions") == 0
    assert await sweeper.finish_deletions_once() == 0
