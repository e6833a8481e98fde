"""The chaos soak: uploads, good and broken, through a Stack while a ChaosMonkey kills its parts; then the
ledger of what became of every upload, read from the system's own records.

    report = run_soak(stack, plan_uploads(FIXTURES, 1000), concurrency=8)
    print(report.text())
    assert report.lost == 0 and report.doubled == 0

The client behaves as a real one: CreateUpload and CompleteUpload are retried on UNAVAILABLE and
DEADLINE_EXCEEDED until a deadline (both are idempotent: the same file of the same user answers with the same
activity; completing twice changes nothing), the PUT on transport errors and 5xx.

What the ledger counts, and from where:
- every upload's final state: PostgreSQL (upload.activities, analyzer.activities, analyzer.results);
- analyses: the analyzer replicas' logs ("analyzed" lines per activity, every incarnation: logs are appended
  across restarts) beside the results rows;
- advisor calls: the advisor's request log ("advice answered" lines, which name the activity the analyzer's
  call was for, and say whether a coach wrote the advice or the advisor's memo gave it again);
- objects: a listing of the bucket; the outbox: its unpublished rows; dead letters: their table.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import grpc
import httpx
from fitcoach.upload.v1 import upload_service_pb2 as upload_pb
from fitcoach.upload.v1 import upload_service_pb2_grpc as upload_grpc
from fitcoach_runtime.grpc_client import CHANNEL_OPTIONS, bearer

from fitcoach_stack.chaos import ChaosMonkey
from fitcoach_stack.stack import Stack

T = TypeVar("T")

# Real device files of ordinary size, and broken files with the reason the analyzer must give for each.
GOOD_FILES = (
    "run-fenix2-gps-hr.fit",
    "cycle-indoor-trainer-edge800.fit",
    "row-indoor-vivoactive-hr.fit",
    "cycle-zwift-virtual.fit",
    "run-fr70-footpod-compressed-ts.fit",
    "swim-pool-fr735xt-chained-hr.fit",
)
BROKEN_FILES = {
    "broken-truncated.fit": "not a valid FIT file: ",
    "broken-not-a-fit.fit": "not a valid FIT file: ",
    "broken-random-body.fit": "not a valid FIT file: ",
    "broken-huge-header-size.fit": "not a valid FIT file: ",
}
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
# A client that comes back quickly after the gateway restarts (gRPC's default reconnect backoff grows to 120 s).
CLIENT_CHANNEL_OPTIONS = [
    *CHANNEL_OPTIONS,
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


@dataclass(frozen=True)
class PlannedUpload:
    user_id: str
    file_name: str
    data: bytes = field(repr=False)
    expected_failure: str | None  # None: a good file; else the start of the reason it must fail with

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def plan_uploads(fixtures: Path, count: int, *, broken_every: int = 4, seed: int = 0) -> list[PlannedUpload]:
    """`count` uploads by as many users as needed, each user uploading each file at most once (the same
    file again would be a duplicate, not an analysis); one in `broken_every` is broken. Shuffled."""
    good = {name: (fixtures / name).read_bytes() for name in GOOD_FILES}
    broken = {name: (fixtures / name).read_bytes() for name in BROKEN_FILES}
    plan: list[PlannedUpload] = []
    user, used = str(uuid.uuid4()), set[str]()
    for i in range(count):
        is_broken = (i + 1) % broken_every == 0
        pool = broken if is_broken else good
        choices = [name for name in pool if name not in used]
        if not choices:
            user, used = str(uuid.uuid4()), set()
            choices = list(pool)
        name = choices[i % len(choices)]
        used.add(name)
        plan.append(PlannedUpload(user, name, pool[name], BROKEN_FILES[name] if is_broken else None))
    random.Random(seed).shuffle(plan)
    return plan


@dataclass
class ClientOutcome:
    """What the client saw for one planned upload."""

    planned: PlannedUpload
    activity_id: str = ""
    completed: bool = False
    error: str = ""
    retries: int = 0  # calls answered UNAVAILABLE/DEADLINE_EXCEEDED (or a failed PUT) and tried again


class SoakClient:
    """Uploads like a real client through the gateway, with idempotent retries."""

    def __init__(self, stack: Stack, *, call_timeout_s: float = 10.0, give_up_after_s: float = 180.0) -> None:
        self.stack = stack
        self.call_timeout_s = call_timeout_s
        self.give_up_after_s = give_up_after_s
        self._tokens: dict[str, tuple[tuple[str, str], ...]] = {}

    def _auth(self, user_id: str) -> tuple[tuple[str, str], ...]:
        if user_id not in self._tokens:
            self._tokens[user_id] = bearer(self.stack.token(user_id, ttl_s=24 * 3600))
        return self._tokens[user_id]

    async def _retrying(self, outcome: ClientOutcome, call: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.give_up_after_s
        delay = 0.2
        while True:
            try:
                return await call()
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in RETRYABLE or time.monotonic() > deadline:
                    raise
            outcome.retries += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 2.0)

    async def _put(self, http: httpx.AsyncClient, outcome: ClientOutcome, url: str, headers: Any) -> None:
        for attempt in range(1, 6):
            try:
                response = await http.put(url, content=outcome.planned.data, headers=dict(headers))
                if response.is_success:
                    return
                if response.status_code < 500:
                    raise RuntimeError(f"store refused the PUT: HTTP {response.status_code}")
            except httpx.TransportError:
                if attempt == 5:
                    raise
            outcome.retries += 1
            await asyncio.sleep(0.5 * attempt)
        raise RuntimeError("store kept failing the PUT")

    async def upload(
        self, stub: upload_grpc.UploadServiceStub, http: httpx.AsyncClient, planned: PlannedUpload
    ) -> ClientOutcome:
        outcome = ClientOutcome(planned)
        auth = self._auth(planned.user_id)
        try:
            created = await self._retrying(
                outcome,
                lambda: stub.CreateUpload(
                    upload_pb.CreateUploadRequest(
                        file_name=planned.file_name, size_bytes=len(planned.data), sha256=planned.sha256
                    ),
                    metadata=auth,
                    timeout=self.call_timeout_s,
                ),
            )
            outcome.activity_id = created.activity_id
            if created.duplicate:
                raise RuntimeError("the service called a first upload a duplicate")
            await self._put(http, outcome, created.upload_url, created.upload_headers)
            await self._retrying(
                outcome,
                lambda: stub.CompleteUpload(
                    upload_pb.CompleteUploadRequest(activity_id=created.activity_id),
                    metadata=auth,
                    timeout=self.call_timeout_s,
                ),
            )
            outcome.completed = True
        except grpc.aio.AioRpcError as exc:
            outcome.error = f"{exc.code().name}: {exc.details()}"
        except (RuntimeError, httpx.HTTPError) as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
        return outcome

    async def upload_all(
        self, plan: Sequence[PlannedUpload], concurrency: int, rate_per_s: float | None = None
    ) -> list[ClientOutcome]:
        """Every planned upload, at most `concurrency` at once, the i-th not started before i / rate_per_s
        seconds (so the uploads spread over the chaos instead of finishing before it begins)."""
        gate = asyncio.Semaphore(concurrency)
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with (
            grpc.aio.insecure_channel(self.stack.gateway_address, options=CLIENT_CHANNEL_OPTIONS) as channel,
            httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0)) as http,
        ):
            stub = upload_grpc.UploadServiceStub(channel)

            async def one(index: int, planned: PlannedUpload) -> ClientOutcome:
                if rate_per_s:
                    await asyncio.sleep(max(0.0, began + index / rate_per_s - loop.time()))
                async with gate:
                    return await self.upload(stub, http, planned)

            return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(plan))))


# --------------------------------------------------------------------------------------------------- ledger


@dataclass
class Ledger:
    """What became of every upload, from the system's own records; `lost` and `doubled` are the bar."""

    planned: int = 0
    good: int = 0
    broken: int = 0
    completed: int = 0
    client_errors: list[str] = field(default_factory=list)
    client_retries: int = 0
    good_analyzed_once: int = 0
    good_not_analyzed: list[str] = field(default_factory=list)  # failed, or never analyzed
    broken_failed_with_reason: int = 0
    broken_wrong_outcome: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)  # a non-final state
    objects_missing: list[str] = field(default_factory=list)
    outbox_unpublished: int = 0
    dead_letters: int = 0
    advice_failed: list[str] = field(default_factory=list)
    analyses: int = 0  # "analyzed" log lines of the soak's activities
    analyses_unlogged: int = 0  # analyzed (results row) without a log line: killed between commit and log
    doubled_analyses: list[str] = field(default_factory=list)  # activities analyzed more than once
    extra_results: list[str] = field(default_factory=list)  # activities with more than one results row
    advisor_calls: int = 0  # GenerateAdvice calls answered
    advice_written: int = 0  # ... of which a coach (Gemini or the offline one) wrote anew
    doubled_advice: list[str] = field(default_factory=list)  # activities whose advice was written twice
    asked_again: list[str] = field(
        default_factory=list
    )  # activities asked for more than once (memo answered)
    analyzer_versions: set[str] = field(default_factory=set)
    kills: Counter[str] = field(default_factory=Counter)
    upload_s: float = 0.0
    settle_s: float = 0.0

    @property
    def lost(self) -> int:
        return (
            len(self.client_errors)
            + len(self.good_not_analyzed)
            + len(self.broken_wrong_outcome)
            + len(self.stuck)
            + len(self.objects_missing)
            + self.outbox_unpublished
            + len(self.advice_failed)
        )

    @property
    def doubled(self) -> int:
        return len(self.doubled_analyses) + len(self.extra_results) + len(self.doubled_advice)

    def text(self) -> str:
        kills = ", ".join(f"{kind} {n}" for kind, n in sorted(self.kills.items())) or "none"

        def some(items: list[str]) -> str:
            return f" e.g. {items[:3]}" if items else ""

        lines = [
            f"uploads: {self.planned} planned ({self.good} good, {self.broken} broken), "
            f"{self.completed} completed by the client after {self.client_retries} retries; "
            f"{len(self.client_errors)} client errors{some(self.client_errors)}",
            f"kills: {kills}",
            f"good files analyzed exactly once: {self.good_analyzed_once}/{self.good}; "
            f"not analyzed: {len(self.good_not_analyzed)}{some(self.good_not_analyzed)}",
            f"broken files failed with their reason: {self.broken_failed_with_reason}/{self.broken}; "
            f"wrong outcome: {len(self.broken_wrong_outcome)}{some(self.broken_wrong_outcome)}",
            f"stuck in a non-final state: {len(self.stuck)}{some(self.stuck)}; "
            f"objects missing: {len(self.objects_missing)}; outbox unpublished: {self.outbox_unpublished}; "
            f"dead letters: {self.dead_letters}; advice failed: {len(self.advice_failed)}{some(self.advice_failed)}",
            f"analyses logged: {self.analyses} (+{self.analyses_unlogged} whose process died between commit "
            f"and log line; versions {sorted(self.analyzer_versions)}); doubled: "
            f"{len(self.doubled_analyses)}{some(self.doubled_analyses)}; extra results rows: {len(self.extra_results)}",
            f"advisor calls: {self.advisor_calls}, advice written: {self.advice_written}; activities whose "
            f"advice was written twice: {len(self.doubled_advice)}{some(self.doubled_advice)}; asked again "
            f"(answered from the advisor's memo): {len(self.asked_again)}",
            f"LOST {self.lost}, DOUBLED {self.doubled}; uploads took {self.upload_s:.1f} s, "
            f"settling {self.settle_s:.1f} s",
        ]
        return "\n".join(lines)


def count_log_lines(paths: Sequence[Path], message: str, **where: object) -> Counter[str]:
    """JSON log lines with msg == `message` (and the fields in `where`), counted by their activity_id (lines
    from every restart)."""
    counts: Counter[str] = Counter()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if message not in line or not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if (
                record.get("msg") == message
                and record.get("activity_id")
                and all(record.get(key) == value for key, value in where.items())
            ):
                counts[str(record["activity_id"])] += 1
    return counts


_STATE_SQL = """
SELECT u.id::text AS activity_id, u.status AS upload_status, u.object_key,
       a.status, a.failure_reason, a.advice_status, a.advice_error, a.analyzer_version,
       (SELECT count(*) FROM analyzer.results r WHERE r.activity_id = u.id) AS results
FROM upload.activities u LEFT JOIN analyzer.activities a ON a.activity_id = u.id
"""


def _final(row: asyncpg.Record) -> bool:
    if row["upload_status"] != "uploaded":
        return False
    if row["status"] == "failed":
        return True
    return row["status"] == "analyzed" and row["advice_status"] in ("ready", "failed")


async def _rows(database_url: str) -> dict[str, asyncpg.Record]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        return {row["activity_id"]: row for row in await conn.fetch(_STATE_SQL)}
    finally:
        await conn.close()


async def _settle(database_url: str, ids: set[str], timeout_s: float) -> dict[str, asyncpg.Record]:
    """Poll until every id is final (or the timeout); returns the last rows read."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            rows = await _rows(database_url)
        except (OSError, asyncpg.PostgresError):
            rows = {}
        if (rows and all(i in rows and _final(rows[i]) for i in ids)) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(1.0)


async def _database_counts(database_url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        unpublished = await conn.fetchval("SELECT count(*) FROM upload.outbox WHERE published_at IS NULL")
        letters = await conn.fetchval("SELECT count(*) FROM analyzer.dead_letters")
        return int(unpublished), int(letters)
    finally:
        await conn.close()


def _bucket_keys(stack: Stack) -> set[str]:
    client = stack.s3_credentials.client()
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket):
        keys.update(obj["Key"] for obj in page.get("Contents", []))
    return keys


def _logs(stack: Stack, service: str) -> list[Path]:
    return [stack.service_log(name) for name in stack.replica_names(service)]


def build_ledger(
    stack: Stack, outcomes: Sequence[ClientOutcome], rows: dict[str, asyncpg.Record], ledger: Ledger
) -> Ledger:
    unpublished, letters = asyncio.run(_database_counts(stack.database_url))
    ledger.outbox_unpublished, ledger.dead_letters = unpublished, letters
    keys = _bucket_keys(stack)
    analyses = count_log_lines(_logs(stack, "analyzer"), "analyzed")
    advisor_calls = count_log_lines(_logs(stack, "advisor"), "advice answered")
    advice_written = count_log_lines(_logs(stack, "advisor"), "advice answered", reused=False)
    ours = {o.activity_id for o in outcomes if o.activity_id}
    ledger.analyses = sum(analyses[i] for i in ours)
    ledger.advisor_calls = sum(advisor_calls[i] for i in ours)
    ledger.advice_written = sum(advice_written[i] for i in ours)
    ledger.doubled_analyses = sorted(i for i in ours if analyses[i] > 1)
    ledger.doubled_advice = sorted(i for i in ours if advice_written[i] > 1)
    ledger.asked_again = sorted(i for i in ours if advisor_calls[i] > 1)
    # Rows nobody planned (a CreateUpload whose answer was lost and that a retry did not find again).
    ledger.stuck += sorted(f"{i}: unplanned {rows[i]['upload_status']}" for i in set(rows) - ours)
    for outcome in outcomes:
        planned, activity_id = outcome.planned, outcome.activity_id
        ledger.completed += outcome.completed
        ledger.client_retries += outcome.retries
        if not outcome.completed:
            ledger.client_errors.append(f"{planned.file_name}: {outcome.error}")
            continue
        row = rows.get(activity_id)
        if row is None or not _final(row):
            state = (
                "missing" if row is None else f"{row['upload_status']}/{row['status']}/{row['advice_status']}"
            )
            ledger.stuck.append(f"{activity_id}: {state}")
            continue
        if row["object_key"] not in keys:
            ledger.objects_missing.append(activity_id)
        if row["results"] > 1:
            ledger.extra_results.append(activity_id)
        if row["analyzer_version"]:
            ledger.analyzer_versions.add(row["analyzer_version"])
        if planned.expected_failure is None:
            if row["status"] == "analyzed" and row["results"] == 1:
                # One results row, and no second analysis in the logs (a process killed between its commit
                # and its log line leaves none: counted apart).
                ledger.good_analyzed_once += analyses[activity_id] <= 1
                ledger.analyses_unlogged += analyses[activity_id] == 0
                if row["advice_status"] == "failed":
                    ledger.advice_failed.append(f"{activity_id}: {row['advice_error']}")
            else:
                ledger.good_not_analyzed.append(f"{activity_id}: {row['status']} {row['failure_reason']}")
        elif row["status"] == "failed" and (row["failure_reason"] or "").startswith(planned.expected_failure):
            ledger.broken_failed_with_reason += 1
        else:
            ledger.broken_wrong_outcome.append(f"{activity_id}: {row['status']} {row['failure_reason']}")
    return ledger


def run_soak(
    stack: Stack,
    plan: Sequence[PlannedUpload],
    *,
    concurrency: int = 8,
    rate_per_s: float | None = None,
    monkey: ChaosMonkey | None = None,
    settle_timeout_s: float = 300.0,
) -> Ledger:
    """Upload `plan` while `monkey` (if any) kills and restarts parts on this (the main) thread; then wait
    until every completed upload is final (or the timeout) and read the ledger."""
    ledger = Ledger(
        planned=len(plan),
        good=sum(p.expected_failure is None for p in plan),
        broken=sum(p.expected_failure is not None for p in plan),
    )
    client = SoakClient(stack)
    uploads_done = threading.Event()
    results: list[list[ClientOutcome]] = []
    errors: list[BaseException] = []

    def workload() -> None:
        try:
            results.append(asyncio.run(client.upload_all(plan, concurrency, rate_per_s)))
        except BaseException as exc:  # reported on the main thread
            errors.append(exc)
        finally:
            uploads_done.set()

    started = time.monotonic()
    worker = threading.Thread(target=workload, name="soak-uploads", daemon=True)
    worker.start()
    if monkey is not None:
        monkey.run(uploads_done)
    worker.join()
    ledger.upload_s = time.monotonic() - started
    if errors:
        raise errors[0]
    if monkey is not None:
        ledger.kills = monkey.kills_by_kind()
    outcomes = results[0]
    settle_started = time.monotonic()
    ids = {o.activity_id for o in outcomes if o.completed}
    rows = asyncio.run(_settle(stack.database_url, ids, settle_timeout_s))
    ledger.settle_s = time.monotonic() - settle_started
    return build_ledger(stack, outcomes, rows, ledger)
