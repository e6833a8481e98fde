"""ActivityService through gRPC with real tokens: owner-only access, paging, watching, profile, trend."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import grpc
import pytest
from fitcoach.activity.v1 import activity_service_pb2 as pb
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

if TYPE_CHECKING:
    from conftest import Harness


async def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value.code()


async def test_someone_elses_activity_is_not_found(analyzer: Harness, good_run: bytes) -> None:
    upload = await analyzer.submit(good_run)
    await analyzer.settled(upload.activity_id)
    intruder = analyzer.token(str(uuid.uuid4()))
    get = analyzer.stub.GetActivity(pb.GetActivityRequest(activity_id=upload.activity_id), metadata=intruder)
    assert await _code(get) == grpc.StatusCode.NOT_FOUND
    watch = analyzer.stub.WatchActivity(
        pb.WatchActivityRequest(activity_id=upload.activity_id), metadata=intruder
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in watch:
            pass
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await analyzer.stub.ListActivities(pb.ListActivitiesRequest(), metadata=intruder)
    assert list(listed.activities) == []
    # Same answer as an id that does not exist at all, or is not even a UUID.
    for missing in (str(uuid.uuid4()), "not-a-uuid"):
        get = analyzer.stub.GetActivity(
            pb.GetActivityRequest(activity_id=missing), metadata=analyzer.token(upload.user_id)
        )
        assert await _code(get) == grpc.StatusCode.NOT_FOUND
    # The owner sees it; no token at all is refused.
    assert (await analyzer.get(upload.activity_id, upload.user_id)).activity_id == upload.activity_id
    anonymous = analyzer.stub.GetActivity(pb.GetActivityRequest(activity_id=upload.activity_id))
    assert await _code(anonymous) == grpc.StatusCode.UNAUTHENTICATED


async def test_list_pages_newest_first_with_pending_uploads(analyzer: Harness, good_run: bytes) -> None:
    user = str(uuid.uuid4())
    ids = []
    for i in range(5):  # pending uploads only: the upload service's rows are listed before any analysis
        upload = await analyzer.add_upload(good_run + bytes([i]), user_id=user, status="pending", put=False)
        ids.append(upload.activity_id)
    await analyzer.add_upload(good_run, status="pending", put=False)  # someone else's
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await analyzer.stub.ListActivities(
            pb.ListActivitiesRequest(page_size=2, page_token=token), metadata=analyzer.token(user)
        )
        pages += 1
        assert len(page.activities) <= 2
        seen += [a.activity_id for a in page.activities]
        assert all(a.status == pb.ACTIVITY_STATUS_PENDING for a in page.activities)
        assert all(not a.sessions and not a.HasField("advice") for a in page.activities)
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == list(reversed(ids))  # newest first, each once
    default = await analyzer.stub.ListActivities(pb.ListActivitiesRequest(), metadata=analyzer.token(user))
    assert len(default.activities) == 5 and default.next_page_token == ""
    for bad in (pb.ListActivitiesRequest(page_size=101), pb.ListActivitiesRequest(page_token="garbage!")):
        assert await _code(analyzer.stub.ListActivities(bad, metadata=analyzer.token(user))) == (
            grpc.StatusCode.INVALID_ARGUMENT
        )


async def test_list_shows_effective_status_and_summary(
    analyzer: Harness, good_run: bytes, fit_file: Callable[[str], bytes]
) -> None:
    good = await analyzer.submit(good_run)
    bad = await analyzer.submit(fit_file("broken-not-a-fit.fit"), user_id=good.user_id)
    await analyzer.settled(good.activity_id)
    await analyzer.settled(bad.activity_id)
    page = await analyzer.stub.ListActivities(
        pb.ListActivitiesRequest(), metadata=analyzer.token(good.user_id)
    )
    by_id = {a.activity_id: a for a in page.activities}
    assert by_id[good.activity_id].status == pb.ACTIVITY_STATUS_ANALYZED
    assert by_id[good.activity_id].summary.distance_m == pytest.approx(9008.22, abs=0.01)
    assert by_id[bad.activity_id].status == pb.ACTIVITY_STATUS_FAILED
    assert by_id[bad.activity_id].failure_reason.startswith("not a valid FIT file")


async def test_watch_streams_each_transition_until_final(analyzer: Harness, good_run: bytes) -> None:
    upload = await analyzer.add_upload(good_run)
    stream = analyzer.stub.WatchActivity(
        pb.WatchActivityRequest(activity_id=upload.activity_id),
        metadata=analyzer.token(upload.user_id),
        timeout=30,
    )
    updates: list[pb.WatchActivityResponse] = []
    published = False
    async for update in stream:
        updates.append(update)
        if not published:  # the current state came at once; now let the pipeline run
            await analyzer.publish(upload)
            published = True
    states = [(u.status, u.advice_status) for u in updates]
    assert states[0] == (pb.ACTIVITY_STATUS_UPLOADED, pb.ADVICE_STATUS_UNSPECIFIED)
    assert states[-1] == (pb.ACTIVITY_STATUS_ANALYZED, pb.ADVICE_STATUS_READY)
    # Notifications are coalesced, but the pipeline's stages show in order and nothing repeats.
    assert (pb.ACTIVITY_STATUS_ANALYZING, pb.ADVICE_STATUS_UNSPECIFIED) in states
    assert len(set(states)) == len(states)
    order = [s for s, _ in states]
    assert order == sorted(order)
    assert all(u.activity_id == upload.activity_id and u.HasField("changed_at") for u in updates)


async def test_watch_of_a_failed_activity_ends_at_once(analyzer: Harness) -> None:
    upload = await analyzer.submit(b"not a fit file at all")
    await analyzer.settled(upload.activity_id)
    updates = [
        u
        async for u in analyzer.stub.WatchActivity(
            pb.WatchActivityRequest(activity_id=upload.activity_id),
            metadata=analyzer.token(upload.user_id),
            timeout=5,
        )
    ]
    assert len(updates) == 1
    assert updates[0].status == pb.ACTIVITY_STATUS_FAILED and updates[0].failure_reason


async def test_profile_defaults_update_validation_and_use_in_analysis(
    analyzer: Harness, good_run: bytes
) -> None:
    user = str(uuid.uuid4())
    meta = analyzer.token(user)
    empty = (await analyzer.stub.GetAthleteProfile(pb.GetAthleteProfileRequest(), metadata=meta)).profile
    assert not empty.HasField("max_hr_bpm") and empty.sex == pb.SEX_UNSPECIFIED
    profile = pb.AthleteProfile(
        max_hr_bpm=185, rest_hr_bpm=48, threshold_hr_bpm=168, sex=pb.SEX_FEMALE, language="ko"
    )
    stored = (
        await analyzer.stub.UpdateAthleteProfile(
            pb.UpdateAthleteProfileRequest(profile=profile), metadata=meta
        )
    ).profile
    assert stored == profile
    again = (await analyzer.stub.GetAthleteProfile(pb.GetAthleteProfileRequest(), metadata=meta)).profile
    assert again == profile
    other = (
        await analyzer.stub.GetAthleteProfile(
            pb.GetAthleteProfileRequest(), metadata=analyzer.token(str(uuid.uuid4()))
        )
    ).profile
    assert not other.HasField("max_hr_bpm")
    bad = pb.UpdateAthleteProfileRequest(profile=pb.AthleteProfile(max_hr_bpm=1900))
    assert (
        await _code(analyzer.stub.UpdateAthleteProfile(bad, metadata=meta))
        == grpc.StatusCode.INVALID_ARGUMENT
    )

    upload = await analyzer.submit(good_run, user_id=user)
    await analyzer.settled(upload.activity_id)
    activity = await analyzer.get(upload.activity_id, user)
    (session,) = activity.sessions
    # The athlete's own values replace the defaults: max/rest HR and sex are no longer listed as defaulted.
    assert not any(d.startswith(("max_hr_bpm", "rest_hr_bpm", "sex")) for d in session.defaults_used)
    assert activity.advice.language == "ko"


async def test_critical_power_and_w_prime_round_trip_and_give_w_bal_on_a_power_file(
    analyzer: Harness, fit_file: Callable[[str], bytes]
) -> None:
    user = str(uuid.uuid4())
    meta = analyzer.token(user)
    profile = pb.AthleteProfile(ftp_w=300, critical_power_w=290, w_prime_j=21500, language="en")
    update = pb.UpdateAthleteProfileRequest(profile=profile)
    assert (await analyzer.stub.UpdateAthleteProfile(update, metadata=meta)).profile == profile
    again = (await analyzer.stub.GetAthleteProfile(pb.GetAthleteProfileRequest(), metadata=meta)).profile
    assert again == profile and again.critical_power_w == 290 and again.w_prime_j == 21500
    for bad in (pb.AthleteProfile(critical_power_w=20), pb.AthleteProfile(w_prime_j=250_000)):
        call = analyzer.stub.UpdateAthleteProfile(pb.UpdateAthleteProfileRequest(profile=bad), metadata=meta)
        assert await _code(call) == grpc.StatusCode.INVALID_ARGUMENT
    assert (await analyzer.stub.GetAthleteProfile(pb.GetAthleteProfileRequest(), metadata=meta)).profile == (
        profile  # a refused update changes nothing
    )

    upload = await analyzer.submit(fit_file("cycle-edge810-vector-power.fit"), user_id=user)
    await analyzer.settled(upload.activity_id)
    activity = await analyzer.get(upload.activity_id, user)
    (session,) = activity.sessions
    assert session.computed.HasField("w_bal_min_j")
    # The ride's best 20 min (312 W) is above CP, so some of W' was spent; the summary carries it too.
    assert session.computed.w_bal_min_j < 21500
    assert activity.summary.w_bal_min_j == session.computed.w_bal_min_j
    # Nothing about CP/W' is reported as defaulted.
    assert not any("critical" in d or "w_prime" in d for d in session.defaults_used)

    # Unsetting them (UpdateAthleteProfile replaces the profile) stores no value, not a zero.
    cleared = pb.UpdateAthleteProfileRequest(profile=pb.AthleteProfile(ftp_w=300))
    stored = (await analyzer.stub.UpdateAthleteProfile(cleared, metadata=meta)).profile
    assert not stored.HasField("critical_power_w") and not stored.HasField("w_prime_j")
    # Without them (another athlete, no profile) the same ride has power metrics but no W'bal.
    other = await analyzer.submit(fit_file("cycle-edge810-vector-power.fit"))
    await analyzer.settled(other.activity_id)
    (plain,) = (await analyzer.get(other.activity_id, other.user_id)).sessions
    assert plain.computed.HasField("normalized_power_w") and not plain.computed.HasField("w_bal_min_j")


async def test_fitness_trend_counts_analyzed_load_per_local_day(analyzer: Harness, good_run: bytes) -> None:
    upload = await analyzer.submit(good_run)
    await analyzer.settled(upload.activity_id)
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    load = activity.summary.training_load
    assert load > 0
    day = (
        activity.start_time.ToDatetime(tzinfo=dt.UTC) + dt.timedelta(seconds=activity.local_offset_s)
    ).date()
    request = pb.GetFitnessTrendRequest(
        start_date=(day - dt.timedelta(days=1)).isoformat(), end_date=(day + dt.timedelta(days=2)).isoformat()
    )
    days = (await analyzer.stub.GetFitnessTrend(request, metadata=analyzer.token(upload.user_id))).days
    assert [d.date for d in days] == [(day + dt.timedelta(days=i)).isoformat() for i in range(-1, 3)]
    assert [d.load for d in days] == pytest.approx([0, load, 0, 0])
    assert days[1].ctl == pytest.approx(load / 42) and days[1].atl == pytest.approx(load / 7)
    assert days[1].tsb == pytest.approx(days[1].ctl - days[1].atl)
    assert days[2].ctl < days[1].ctl  # decays without training
    reversed_range = pb.GetFitnessTrendRequest(start_date="2024-02-02", end_date="2024-02-01")
    code = await _code(analyzer.stub.GetFitnessTrend(reversed_range, metadata=analyzer.token(upload.user_id)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_reflection_describes_every_fitcoach_service(analyzer: Harness) -> None:
    # The gateway routes all reflection here, so the analyzer lists the upload and advisor services too.
    stub = reflection_pb2_grpc.ServerReflectionStub(analyzer.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    names = {s.name for s in responses[0].list_services_response.service}
    assert {
        "fitcoach.activity.v1.ActivityService", "fitcoach.upload.v1.UploadService",
        "fitcoach.advisor.v1.AdvisorService", "grpc.health.v1.Health",
    } <= names  # fmt: skip
    symbol = reflection_pb2.ServerReflectionRequest(file_containing_symbol="fitcoach.upload.v1.UploadService")
    (answer,) = [r async for r in stub.ServerReflectionInfo(iter([symbol]), timeout=5)]
    assert answer.file_descriptor_response.file_descriptor_proto
