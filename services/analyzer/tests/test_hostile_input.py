"""ActivityService against hostile input (issue "Hostile clients", catalogue 28 and 29): extreme dates, forged
page tokens, unknown enum values, and one user opening watch after watch. Every answer is a specific code
with a message for people, never INTERNAL."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb

if TYPE_CHECKING:
    from conftest import Harness


async def _refusal(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value.code(), info.value.details() or ""


def forged_page_token(created_at: object, activity_id: object = None) -> str:
    raw = json.dumps({"c": created_at, "i": activity_id or str(uuid.uuid4())}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


DATES_OUT_OF_RANGE = ["0001-01-01", "9999-12-31", "1969-12-31", "2200-01-01"]
NOT_YYYY_MM_DD = ["20200101", "2020-1-1", "2020-01-01T00:00", "2020-W01-1", " 2020-01-01", "2020-02-30"]


async def test_trend_dates_outside_the_range_or_format_are_invalid_argument(analyzer: Harness) -> None:
    # end_date 0001-01-01 / 9999-12-31 raised OverflowError (INTERNAL); 20200101 was accepted.
    metadata = analyzer.token(str(uuid.uuid4()))
    for field, other in (
        ("start_date", {"end_date": "2020-03-01"}),
        ("end_date", {"start_date": "2020-01-01"}),
    ):
        for date, message in [
            *((d, "dates must be between 1970-01-01 and 2199-12-31") for d in DATES_OUT_OF_RANGE),
            *((d, "dates must be YYYY-MM-DD") for d in NOT_YYYY_MM_DD),
        ]:
            request = pb.GetFitnessTrendRequest(**{field: date}, **other)
            refusal = await _refusal(analyzer.stub.GetFitnessTrend(request, metadata=metadata))
            assert refusal == (grpc.StatusCode.INVALID_ARGUMENT, message), (field, date)
    # The edges themselves are fine.
    edges = pb.GetFitnessTrendRequest(start_date="2199-12-01", end_date="2199-12-31")
    assert len((await analyzer.stub.GetFitnessTrend(edges, metadata=metadata)).days) == 31


FORGED_PAGE_TOKENS = {
    name: token
    for name, token in zip(
        ["year-1", "year-9999", "naive", "number", "braced-id", "list", "json-list", "not-utf8", "long"],
        [
            forged_page_token("0001-01-01T00:00:00+14:00"),
            forged_page_token("9999-12-31T23:59:59-14:00"),
            forged_page_token("2020-01-01T00:00:00"),  # no time zone
            forged_page_token(12345),
            forged_page_token("2020-01-01T00:00:00+00:00", f"{{{uuid.uuid4()}}}"),
            forged_page_token(["x"]),
            base64.urlsafe_b64encode(b"[1, 2]").decode(),
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
            "x" * 5000,
        ],
        strict=True,
    )
}


async def test_forged_page_tokens_are_invalid_argument(analyzer: Harness) -> None:
    # Well-formed tokens at year 1 / 9999 reached PostgreSQL ("date out of range": INTERNAL).
    metadata = analyzer.token(str(uuid.uuid4()))
    for name, token in FORGED_PAGE_TOKENS.items():
        call = analyzer.stub.ListActivities(pb.ListActivitiesRequest(page_token=token), metadata=metadata)
        refusal = await _refusal(call)
        assert refusal == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "page_token is not a token this service issued",
        ), name


async def test_an_unknown_sex_value_is_refused_not_stored_as_unspecified(analyzer: Harness) -> None:
    user = str(uuid.uuid4())
    before = pb.AthleteProfile(max_hr_bpm=190, sex=pb.SEX_FEMALE)
    await analyzer.stub.UpdateAthleteProfile(
        pb.UpdateAthleteProfileRequest(profile=before), metadata=analyzer.token(user)
    )
    for sex in (3, 99, -1, 2**31 - 1):
        call = analyzer.stub.UpdateAthleteProfile(
            pb.UpdateAthleteProfileRequest(profile=pb.AthleteProfile(max_hr_bpm=180, sex=sex)),
            metadata=analyzer.token(user),
        )
        assert await _refusal(call) == (grpc.StatusCode.INVALID_ARGUMENT, "sex must be male or female"), sex
    stored = await analyzer.stub.GetAthleteProfile(
        pb.GetAthleteProfileRequest(), metadata=analyzer.token(user)
    )
    assert (stored.profile.max_hr_bpm, stored.profile.sex) == (190, pb.SEX_FEMALE)  # nothing was lost


async def _first(stream: grpc.aio.UnaryStreamCall) -> pb.WatchActivityResponse:  # type: ignore[type-arg]
    return await stream.read()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "analyzer_overrides", [{"WATCH_MAX_PER_USER": "2", "WATCH_MAX_DURATION_S": "30"}], indirect=True
)
async def test_one_user_cannot_hold_more_than_the_cap_of_watches(analyzer: Harness, good_run: bytes) -> None:
    user, other = str(uuid.uuid4()), str(uuid.uuid4())
    upload = await analyzer.add_upload(good_run, user_id=user)
    theirs = await analyzer.add_upload(good_run, user_id=other)
    request = pb.WatchActivityRequest(activity_id=upload.activity_id)
    open_streams = [analyzer.stub.WatchActivity(request, metadata=analyzer.token(user)) for _ in range(2)]
    for stream in open_streams:
        assert (await _first(stream)).status == pb.ACTIVITY_STATUS_UPLOADED
    third = analyzer.stub.WatchActivity(request, metadata=analyzer.token(user))
    assert await _refusal(_first(third)) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "at most 2 open WatchActivity streams per user; close one first",
    )
    # Another user is not affected by this one's streams.
    mine = analyzer.stub.WatchActivity(
        pb.WatchActivityRequest(activity_id=theirs.activity_id), metadata=analyzer.token(other)
    )
    assert (await _first(mine)).status == pb.ACTIVITY_STATUS_UPLOADED
    mine.cancel()
    # A closed stream frees its place.
    open_streams[0].cancel()
    for _ in range(50):
        again = analyzer.stub.WatchActivity(request, metadata=analyzer.token(user))
        try:
            assert (await _first(again)).status == pb.ACTIVITY_STATUS_UPLOADED
            break
        except grpc.aio.AioRpcError as exc:  # the server notices the cancel a moment later
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            await asyncio.sleep(0.1)
    else:
        pytest.fail("a cancelled watch never freed its place")
    again.cancel()
    open_streams[1].cancel()


@pytest.mark.parametrize(
    "analyzer_overrides", [{"WATCH_MAX_DURATION_S": "1", "WATCH_POLL_S": "0.2"}], indirect=True
)
async def test_a_watch_ends_at_its_maximum_duration_and_can_be_resumed(
    analyzer: Harness, good_run: bytes
) -> None:
    upload = await analyzer.add_upload(good_run)
    request = pb.WatchActivityRequest(activity_id=upload.activity_id)
    stream = analyzer.stub.WatchActivity(request, metadata=analyzer.token(upload.user_id), timeout=30)
    updates = [u async for u in stream]  # ends by itself although the activity never became final
    assert [u.status for u in updates] == [pb.ACTIVITY_STATUS_UPLOADED]
    assert await stream.code() == grpc.StatusCode.OK
    # The client resumes with a new watch, which starts with the current state again.
    resumed = analyzer.stub.WatchActivity(request, metadata=analyzer.token(upload.user_id), timeout=30)
    assert (await _first(resumed)).status == pb.ACTIVITY_STATUS_UPLOADED
    resumed.cancel()
