"""Abandoned pending uploads are swept; live, resumed and completed ones are not."""

from __future__ import annotations

import datetime as dt

import pytest
from fitcoach_runtime.errors import NotFound


async def age(parts, activity_id: str, *, hours: float, url_expired: bool) -> None:
    await parts.pool.execute(
        """UPDATE upload.activities
           SET created_at = now() - make_interval(secs => $2),
               url_expires_at = CASE WHEN $3 THEN now() - interval '1 hour' ELSE url_expires_at END
           WHERE id = $1""",
        activity_id,
        hours * 3600,
        url_expired,
    )


async def test_sweeps_only_abandoned_pending_uploads(parts, user_id, make_file, put):
    service, objects = parts.service, parts.service.objects
    files = [make_file() for _ in range(4)]
    abandoned, bytes_left, fresh, done = [
        await service.create_upload(user_id, "a.fit", f.size, f.sha256) for f in files
    ]
    # The client PUT the bytes but never completed; the sweeper must remove the object too.
    assert (await put(bytes_left, files[1].body)).status_code == 200
    assert (await put(done, files[3].body)).status_code == 200
    await service.complete_upload(user_id, done.activity_id)
    for ticket in (abandoned, bytes_left, done):
        await age(parts, ticket.activity_id, hours=25, url_expired=True)
    await age(parts, fresh.activity_id, hours=25, url_expired=False)  # e.g. just re-issued

    assert await parts.sweeper.sweep_once() == 2
    remaining = {r["id"] for r in await parts.pool.fetch("SELECT id::text FROM upload.activities")}
    assert remaining == {fresh.activity_id, done.activity_id}
    bytes_left_key = f"users/{user_id}/activities/{bytes_left.activity_id}.fit"
    assert await objects.object_size(bytes_left_key) is None
    assert await objects.object_size(f"users/{user_id}/activities/{done.activity_id}.fit") == files[3].size
    with pytest.raises(NotFound):
        await service.complete_upload(user_id, bytes_left.activity_id)
    assert await parts.sweeper.sweep_once() == 0

    # Uploading the swept file again starts over with a new activity.
    again = await service.create_upload(user_id, "a.fit", files[0].size, files[0].sha256)
    assert again.activity_id != abandoned.activity_id and not again.duplicate
    assert again.expires_at > dt.datetime.now(dt.UTC)
