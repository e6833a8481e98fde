"""Replay and dead-letter re-drive (catalogue item 12) through OpsService on the real analyzer: the same code
path as live events, idempotent per analyzer version, advice only for new inputs, live events first."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from analyzer_service.priority import PriorityGate
from fitcoach.activity.v1 import activity_service_pb2 as act_pb
from fitcoach.ops.v1 import ops_service_pb2 as ops_pb
from fitcoach_analysis import ANALYZER_VERSION

if TYPE_CHECKING:
    from conftest import Harness, Upload

RUN = "run-fenix2-gps-hr.fit"
RIDE = "cycle-indoor-trainer-edge800.fit"
ROW = "row-indoor-vivoactive-hr.fit"
OLD_VERSION = "0.0.1"


async def replay(analyzer: Harness, **fields: Any) -> list[ops_pb.ReplayProgress]:
    request = ops_pb.ReplayRequest(**fields)
    return [r.progress async for r in analyzer.ops.Replay(request, metadata=analyzer.operator(), timeout=60)]


async def three_analyzed(analyzer: Harness, fit_file: Any) -> list[Upload]:
    uploads = [await analyzer.submit(fit_file(name)) for name in (RUN, RIDE, ROW)]
    for upload in uploads:
        row = await analyzer.settled(upload.activity_id)
        assert (row["status"], row["advice_status"]) == ("analyzed", "ready")
    return uploads


async def results(analyzer: Harness, upload: Upload) -> list[str]:
    rows = await analyzer.pool.fetch(
        "SELECT analyzer_version FROM analyzer.results WHERE activity_id = $1 ORDER BY created_at",
        uuid.UUID(upload.activity_id),
    )
    return [r["analyzer_version"] for r in rows]


async def advice_rows(analyzer: Harness, upload: Upload) -> int:
    return int(
        await analyzer.pool.fetchval(
            "SELECT count(*) FROM analyzer.advice WHERE activity_id = $1", uuid.UUID(upload.activity_id)
        )
    )


async def test_replay_skips_what_this_version_analyzed_and_a_forced_one_asks_no_advice_again(
    analyzer: Harness, fit_file: Any
) -> None:
    uploads = await three_analyzed(analyzer, fit_file)
    calls = analyzer.advisor.calls
    before = {u.activity_id: await analyzer.state(u.activity_id) for u in uploads}

    progress = await replay(analyzer)
    final = progress[-1]
    assert final.final and final.phase == ops_pb.REPLAY_PHASE_DONE
    assert (final.scanned, final.matched, final.skipped, final.done, final.failed) == (3, 3, 3, 0, 0)
    assert (final.first_sequence, final.last_sequence) == (1, 3)
    assert analyzer.advisor.calls == calls

    forced = (await replay(analyzer, force=True))[-1]
    assert (forced.matched, forced.done, forced.skipped, forced.failed) == (3, 3, 0, 0)
    assert forced.advice_requested == 0 and analyzer.advisor.calls == calls  # same inputs: no Gemini money
    for upload in uploads:
        after = await analyzer.state(upload.activity_id)
        assert (after["status"], after["advice_status"]) == ("analyzed", "ready")
        assert after["analyzed_at"] > before[upload.activity_id]["analyzed_at"]  # really analyzed again
        # The dashboard's delays keep measuring the first analysis, not the replay.
        assert after["first_analyzed_at"] == before[upload.activity_id]["first_analyzed_at"]
        assert await results(analyzer, upload) == [ANALYZER_VERSION]  # replaced, not doubled
        assert await advice_rows(analyzer, upload) == 1


async def test_changed_inputs_regenerate_the_advice_and_keep_the_old_one(
    analyzer: Harness, fit_file: Any
) -> None:
    upload = await analyzer.submit(fit_file(RUN))
    await analyzer.settled(upload.activity_id)
    calls = analyzer.advisor.calls
    await analyzer.stub.UpdateAthleteProfile(
        act_pb.UpdateAthleteProfileRequest(profile=act_pb.AthleteProfile(max_hr_bpm=171, rest_hr_bpm=48)),
        metadata=analyzer.token(upload.user_id),
    )
    final = (await replay(analyzer, force=True, user_ids=[upload.user_id]))[-1]
    assert (final.done, final.advice_requested) == (1, 1)
    assert analyzer.advisor.calls == calls + 1
    assert await advice_rows(analyzer, upload) == 2
    activity = await analyzer.get(upload.activity_id, upload.user_id)
    assert activity.advice_status == act_pb.ADVICE_STATUS_READY


async def test_older_versions_get_a_new_result_beside_the_old_one(analyzer: Harness, fit_file: Any) -> None:
    uploads = await three_analyzed(analyzer, fit_file)
    old = uploads[0]
    # As if an older analyzer had analyzed the first one.
    await analyzer.pool.execute(
        "UPDATE analyzer.results SET analyzer_version = $2 WHERE activity_id = $1", uuid.UUID(old.activity_id),
        OLD_VERSION,
    )  # fmt: skip
    await analyzer.pool.execute(
        "UPDATE analyzer.activities SET analyzer_version = $2, result_version = $2 WHERE activity_id = $1",
        uuid.UUID(old.activity_id),
        OLD_VERSION,
    )
    calls = analyzer.advisor.calls
    dry = (await replay(analyzer, older_version_only=True, dry_run=True))[-1]
    assert (dry.dry_run, dry.matched, dry.skipped, dry.done) == (True, 1, 0, 0)
    assert await results(analyzer, old) == [OLD_VERSION]  # a dry run changes nothing

    final = (await replay(analyzer, older_version_only=True))[-1]
    assert (final.matched, final.done) == (1, 1)
    assert await results(analyzer, old) == [OLD_VERSION, ANALYZER_VERSION]
    state = await analyzer.state(old.activity_id)
    assert (state["analyzer_version"], state["result_version"]) == (ANALYZER_VERSION, ANALYZER_VERSION)
    assert analyzer.advisor.calls == calls  # same metrics, same advice inputs
    # Nothing older is left now.
    assert (await replay(analyzer, older_version_only=True))[-1].matched == 0


async def test_a_newer_versions_result_is_never_overwritten(analyzer: Harness, fit_file: Any) -> None:
    upload = await analyzer.submit(fit_file(RUN))
    await analyzer.settled(upload.activity_id)
    await analyzer.pool.execute(
        "UPDATE analyzer.activities SET analyzer_version = '99.0.0' WHERE activity_id = $1",
        uuid.UUID(upload.activity_id),
    )
    final = (await replay(analyzer, force=True))[-1]
    assert (final.matched, final.skipped, final.done) == (1, 1, 0)
    assert (await analyzer.state(upload.activity_id))["analyzer_version"] == "99.0.0"


async def test_replay_by_sequence_time_user_and_activity(analyzer: Harness, fit_file: Any) -> None:
    uploads = await three_analyzed(analyzer, fit_file)
    later = await analyzer.submit(fit_file(RIDE), user_id=uploads[0].user_id)
    await analyzer.settled(later.activity_id)
    forced = {"force": True, "dry_run": True}

    by_seq = (await replay(analyzer, start_sequence=2, end_sequence=3, **forced))[-1]
    assert (by_seq.scanned, by_seq.matched, by_seq.first_sequence, by_seq.last_sequence) == (2, 2, 2, 3)
    assert (await replay(analyzer, start_sequence=4, **forced))[-1].matched == 1
    assert (await replay(analyzer, start_sequence=99, **forced))[-1].scanned == 0

    future = ops_pb.ReplayRequest()
    future.start_time.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert (await replay(analyzer, start_time=future.start_time, **forced))[-1].scanned == 0
    past = ops_pb.ReplayRequest()
    past.start_time.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert (await replay(analyzer, start_time=past.start_time, **forced))[-1].matched == 4

    by_user = (await replay(analyzer, user_ids=[uploads[0].user_id], **forced))[-1]
    assert by_user.matched == 2
    by_activity = (await replay(analyzer, activity_ids=[uploads[1].activity_id], force=True))[-1]
    assert (by_activity.matched, by_activity.done) == (1, 1)


async def test_failed_only_reprocesses_the_failed_ones(analyzer: Harness, fit_file: Any) -> None:
    good = await analyzer.submit(fit_file(RUN))
    broken = await analyzer.submit(fit_file("broken-truncated.fit"))
    await analyzer.settled(good.activity_id)
    assert (await analyzer.settled(broken.activity_id))["status"] == "failed"
    attempts = (await analyzer.state(broken.activity_id))["attempts"]

    final = (await replay(analyzer, failed_only=True))[-1]
    assert (final.matched, final.failed, final.done) == (1, 1, 0)
    assert [f.activity_id for f in final.failures] == [broken.activity_id]
    assert final.failures[0].reason == (await analyzer.state(broken.activity_id))["failure_reason"]
    assert (await analyzer.state(broken.activity_id))["attempts"] == attempts + 1  # it really ran again


async def test_an_internal_error_is_analyzed_again_by_a_replay_once_the_code_is_fixed(
    analyzer_factory: Any, fit_file: Any
) -> None:
    buggy = await analyzer_factory(stand_in="buggy_metrics")  # our metrics code fails on a good file
    upload = await buggy.submit(fit_file(RUN))
    failed = await buggy.settled(upload.activity_id)
    assert (failed["status"], failed["failure_kind"]) == ("failed", "internal_error")
    fixed = await analyzer_factory(CONSUMER_ENABLED="false")  # the release with the fix
    dry = (await replay(fixed, failed_only=True, dry_run=True))[-1]
    assert (dry.matched, dry.skipped) == (1, 0)  # an internal error is not settled: it will run again
    final = (await replay(fixed, failed_only=True))[-1]
    assert (final.matched, final.done, final.failed) == (1, 1, 0)
    row = await fixed.settled(upload.activity_id)
    assert (row["status"], row["failure_kind"], row["advice_status"]) == ("analyzed", None, "ready")


async def test_a_deleted_activity_is_not_replayed(analyzer: Harness, fit_file: Any) -> None:
    upload = await analyzer.submit(fit_file(RUN))
    await analyzer.settled(upload.activity_id)
    await analyzer.pool.execute(
        "DELETE FROM analyzer.activities WHERE activity_id = $1", uuid.UUID(upload.activity_id)
    )
    await analyzer.pool.execute("DELETE FROM upload.activities WHERE id = $1", uuid.UUID(upload.activity_id))
    final = (await replay(analyzer, force=True))[-1]
    assert (final.scanned, final.matched) == (1, 0)


@pytest.mark.parametrize(
    "analyzer_overrides", [{"CONSUMER_MAX_DELIVER": "2", "CONSUMER_NAK_BASE_DELAY_S": "0.1"}], indirect=True
)
async def test_dead_letters_are_listed_and_redriven(analyzer: Harness, fit_file: Any) -> None:
    data = fit_file(RUN)
    upload = await analyzer.add_upload(data, put=False)  # the object is missing: retried, then given up
    seq = await analyzer.publish(upload)
    assert (await analyzer.settled(upload.activity_id))["status"] == "failed"
    meta = analyzer.operator()
    listed = await analyzer.ops.ListDeadLetters(ops_pb.ListDeadLettersRequest(), metadata=meta)
    assert listed.unresolved == 1
    [letter] = listed.dead_letters
    assert (letter.stream_sequence, letter.activity_id, letter.num_delivered) == (seq, upload.activity_id, 2)
    assert "NoSuchKey" in letter.error and not letter.HasField("resolved_at")

    await analyzer.s3.put_object(Bucket=analyzer.bucket, Key=upload.key, Body=data)  # the store recovered
    request = ops_pb.RedriveDeadLettersRequest(ids=[letter.id])
    final = [r.progress async for r in analyzer.ops.RedriveDeadLetters(request, metadata=meta)][-1]
    assert (final.matched, final.done, final.failed) == (1, 1, 0)
    row = await analyzer.settled(upload.activity_id)
    assert (row["status"], row["advice_status"]) == ("analyzed", "ready")

    after = await analyzer.ops.ListDeadLetters(ops_pb.ListDeadLettersRequest(), metadata=meta)
    assert (after.unresolved, list(after.dead_letters)) == (0, [])
    every = await analyzer.ops.ListDeadLetters(
        ops_pb.ListDeadLettersRequest(include_resolved=True), metadata=meta
    )
    assert [d.resolution for d in every.dead_letters] == ["analyzed"]
    # Re-driving "all" finds nothing left; unknown ids are a clear error.
    nothing = [r.progress async for r in analyzer.ops.RedriveDeadLetters(
        ops_pb.RedriveDeadLettersRequest(all=True), metadata=meta)][-1]  # fmt: skip
    assert (nothing.matched, nothing.done) == (0, 0)
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        async for _ in analyzer.ops.RedriveDeadLetters(
            ops_pb.RedriveDeadLettersRequest(ids=[424242]), metadata=meta
        ):
            pass
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("analyzer_overrides", [{"stand_in": "slow"}], indirect=True)
async def test_a_live_upload_goes_before_the_rest_of_a_replay(analyzer: Harness, fit_file: Any) -> None:
    # Decoding takes 2.5 s here, so the order below does not depend on the machine's speed.
    uploads = [await analyzer.submit(fit_file(name)) for name in (RUN, RIDE)]
    for upload in uploads:
        await analyzer.settled(upload.activity_id, within_s=30)
    stream = analyzer.ops.Replay(ops_pb.ReplayRequest(force=True), metadata=analyzer.operator(), timeout=60)
    reports = asyncio.ensure_future(_collect(stream))
    first = uploads[0]
    await analyzer.wait_for(first.activity_id, lambda r: r["status"] == "analyzing", within_s=10)
    live = await analyzer.submit(fit_file(ROW))  # arrives while the replay's first job decodes
    live_row = await analyzer.settled(live.activity_id, within_s=30)
    final = (await reports)[-1]
    assert (final.done, final.failed) == (2, 0)
    second = await analyzer.state(uploads[1].activity_id)
    # The replay's second job waited for the live one: it started only after the live one was analyzed.
    assert second["analysis_started_at"] >= live_row["analyzed_at"]


async def _collect(stream: Any) -> list[ops_pb.ReplayProgress]:
    return [r.progress async for r in stream]


async def test_priority_gate_holds_background_work_while_live_work_runs() -> None:
    gate = PriorityGate()
    order: list[str] = []

    async def live(name: str, hold: asyncio.Event) -> None:
        async with gate.live():
            order.append(f"{name} start")
            await hold.wait()
            order.append(f"{name} end")

    async def background() -> None:
        async with gate.background():
            order.append("background")

    first, second = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(live("a", first)), asyncio.create_task(live("b", second))]
    await asyncio.sleep(0)
    waiting = asyncio.create_task(background())
    await asyncio.sleep(0.01)
    first.set()
    await asyncio.sleep(0.01)
    assert "background" not in order  # b still runs
    second.set()
    await asyncio.gather(*tasks, waiting)
    assert order == ["a start", "b start", "a end", "b end", "background"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"user_ids": ["not-a-user"]}, "user_ids"),
        ({"activity_ids": ["x"]}, "activity_ids"),
        ({"start_sequence": 5, "end_sequence": 2}, "start_sequence"),
    ],
)
async def test_bad_replay_requests_are_invalid_argument(
    analyzer: Harness, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await replay(analyzer, **fields)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and message in caught.value.details()


async def test_athletes_cannot_replay(analyzer: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in analyzer.ops.Replay(
            ops_pb.ReplayRequest(), metadata=analyzer.token(str(uuid.uuid4()))
        ):
            pass
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
