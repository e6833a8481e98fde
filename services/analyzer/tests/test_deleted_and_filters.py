"""What the analyzer does for the web app: a deleted activity (upload row gone) vanishes from every read at
once, its rows are purged, and a late event does not bring it back; the list's sport filter; weight and
units in the profile."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import grpc
import pytest
from analyzer_service.purge import DeletedActivityPurger
from analyzer_service.repository import Repository
from fitcoach.activity.v1 import activity_service_pb2 as pb

if TYPE_CHECKING:
    from conftest import Harness


async def _trend_load(analyzer: Harness, user_id: str, day: dt.date) -> float:
    request = pb.GetFitnessTrendRequest(start_date=day.isoformat(), end_date=day.isoformat())
    days = (await analyzer.stub.GetFitnessTrend(request, metadata=analyzer.token(user_id))).days
    return sum(d.load for d in days)


@pytest.mark.parametrize("analyzer_overrides", [{"DELETED_PURGE_INTERVAL_S": "3600"}], indirect=True)
async def test_deleted_activity_vanishes_at_once_is_purged_and_stays_gone(
    analyzer: Harness, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    upload = await analyzer.submit(good_run)
    await analyzer.settled(upload.activity_id)
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    day = (
        activity.start_time.ToDatetime(tzinfo=dt.UTC) + dt.timedelta(seconds=activity.local_offset_s)
    ).date()
    assert await _trend_load(analyzer, upload.user_id, day) > 0
    keep = await analyzer.submit(fit_file("cycle-indoor-trainer-edge800.fit"), user_id=upload.user_id)
    await analyzer.settled(keep.activity_id)

    # The upload service deletes its row (DeleteActivity); the purge loop has not run yet.
    await analyzer.pool.execute("DELETE FROM upload.activities WHERE id = $1", uuid.UUID(upload.activity_id))
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await analyzer.get(upload.activity_id, upload.user_id)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert await _trend_load(analyzer, upload.user_id, day) == 0  # the trend no longer counts it
    listed = await analyzer.stub.ListActivities(
        pb.ListActivitiesRequest(), metadata=analyzer.token(upload.user_id)
    )
    assert [a.activity_id for a in listed.activities] == [keep.activity_id]

    purger = DeletedActivityPurger(Repository(analyzer.pool), interval_s=3600)
    assert await purger.purge_once() == 1
    for table in ("activities", "results", "advice"):
        count = await analyzer.pool.fetchval(
            f"SELECT count(*) FROM analyzer.{table} WHERE activity_id = $1", uuid.UUID(upload.activity_id)
        )
        assert count == 0, table
    assert await analyzer.state(keep.activity_id) is not None
    assert await purger.purge_once() == 0  # idempotent

    # A redelivered or replayed event for the deleted activity is acknowledged and changes nothing.
    await analyzer.publish(upload)
    marker = await analyzer.submit(good_run + b"\1")  # processed after the replayed event
    await analyzer.settled(marker.activity_id)
    assert await analyzer.state(upload.activity_id) is None


async def test_list_filters_by_sport(
    analyzer: Harness, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    user = str(uuid.uuid4())
    run = await analyzer.submit(good_run, user_id=user)
    ride = await analyzer.submit(fit_file("cycle-indoor-trainer-edge800.fit"), user_id=user)
    for upload in (run, ride):
        await analyzer.settled(upload.activity_id)
    token = analyzer.token(user)

    async def ids(sport: str) -> list[str]:
        reply = await analyzer.stub.ListActivities(pb.ListActivitiesRequest(sport=sport), metadata=token)
        return [a.activity_id for a in reply.activities]

    assert await ids("running") == [run.activity_id]
    assert await ids(" Cycling ") == [ride.activity_id]
    assert await ids("swimming") == []
    assert sorted(await ids("")) == sorted([run.activity_id, ride.activity_id])
    for bad in ("x" * 65, "run\x00ning", "running; drop"):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await analyzer.stub.ListActivities(pb.ListActivitiesRequest(sport=bad), metadata=token)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_profile_keeps_weight_and_units(analyzer: Harness) -> None:
    token = analyzer.token(str(uuid.uuid4()))
    profile = pb.AthleteProfile(weight_kg=61.5, units=pb.UNIT_SYSTEM_IMPERIAL, language="ko")
    stored = (
        await analyzer.stub.UpdateAthleteProfile(
            pb.UpdateAthleteProfileRequest(profile=profile), metadata=token
        )
    ).profile
    assert stored.weight_kg == 61.5 and stored.units == pb.UNIT_SYSTEM_IMPERIAL and stored.language == "ko"
    fetched = (await analyzer.stub.GetAthleteProfile(pb.GetAthleteProfileRequest(), metadata=token)).profile
    assert fetched == stored
    bad = pb.AthleteProfile(weight_kg=2000)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await analyzer.stub.UpdateAthleteProfile(pb.UpdateAthleteProfileRequest(profile=bad), metadata=token)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "weight_kg" in (
        info.value.details() or ""
    )
