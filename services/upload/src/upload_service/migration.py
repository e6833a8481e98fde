"""The legacy migration: FIT files of the legacy system → objects in the store → activities `uploaded`.

For each legacy row or file: decompress, SHA-256, store it from the server under the usual key with its
checksum, HEAD it (size must match), then in one transaction create the activity `uploaded` with its legacy
id, record the import and queue the analysis through the outbox. Optionally write the key, status and
checksum back to the legacy row.

Why it is safe to kill at any point and run again:
- `upload.legacy_imports` (source, legacy id) is written in the same transaction as the activity: an item is
  either fully migrated or not at all, and a second run skips what is recorded (and says so).
- A new activity's id is derived from (source, legacy id), so its object key is too: a run killed between the
  PUT and the commit leaves an object the next run simply overwrites with the same bytes.
- The same owner with the same bytes (unique in upload.activities) becomes a link to the existing activity,
  also when two legacy rows with the same file race each other inside one run.
- Write-back is idempotent and re-done for items already migrated, so a kill between commit and write-back
  loses nothing either. Source bytes are only ever read.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from fitcoach_runtime.errors import DomainError, Unavailable
from fitcoach_runtime.progress import Progress, progress_while
from fitcoach_runtime.storage import object_key

from upload_service.legacy import (
    FolderSource,
    ItemFailed,
    LegacyItem,
    TableSource,
    UserMap,
    decompress,
    read_file,
)
from upload_service.service import PENDING, UPLOADED, Activity, upload_completed_event

log = logging.getLogger(__name__)

# Namespace of the activity ids the migration derives from (source, legacy id).
ACTIVITY_ID_NAMESPACE = uuid.UUID("6f1c0b1e-5a0e-4d0b-9a43-6c2f7e0b3a11")
CONTENT_BATCH = 32  # legacy rows whose bytes are fetched in one query
SAVE_INTERVAL_S = 1.0
DEFAULT_PARALLELISM = 8
MAX_PARALLELISM = 32

Source = TableSource | FolderSource


class MigrationStore(Protocol):
    """What the migration needs of the upload service's tables (upload_service.repository)."""

    async def imported(self, source: str) -> dict[str, Any]: ...
    async def record_migrated(
        self, activity: Activity, source: str, legacy_id: str, event: Any
    ) -> tuple[str, Activity | None]: ...
    async def record_duplicate(self, source: str, legacy_id: str, activity_id: str) -> None: ...
    async def queue(self, source: str, events: dict[str, Any]) -> int: ...
    async def start_run(self, run_id: str, operator_id: str, source: str, dry_run: bool) -> None: ...
    async def save_run(self, run_id: str, report: dict[str, Any], *, finished: bool) -> None: ...


class ActivityLookup(Protocol):
    async def find_by_sha256(self, user_id: str, sha256: str) -> Activity | None: ...


class Objects(Protocol):
    bucket: str

    async def put_verified(self, key: str, data: bytes, sha256_hex: str) -> None: ...
    async def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class MigrationOptions:
    analyze: bool = True
    write_back: bool = False
    dry_run: bool = False
    parallelism: int = DEFAULT_PARALLELISM


@dataclass
class Failure:
    source: str
    legacy_id: str
    reason: str


@dataclass
class MigrationReport(Progress[Failure]):
    """Counts of one run so far (field names are MigrationProgress's)."""

    max_failures_kept = 1000

    run_id: str
    dry_run: bool = False
    total: int = 0
    done: int = 0
    migrated: int = 0
    already_migrated: int = 0
    duplicates: int = 0
    bytes: int = 0
    queued: int = 0

    @property
    def handled(self) -> int:
        return self.done

    @property
    def planned(self) -> int:
        return self.total

    def fail(self, item: LegacyItem, reason: str) -> None:
        self.done += 1
        self.count_failure(Failure(item.source, item.legacy_id, reason))

    def as_dict(self) -> dict[str, Any]:
        """MigrationProgress as JSON (what the run row stores and ListMigrationRuns returns)."""
        values = {k: v for k, v in asdict(self).items() if k not in ("started", "failures")}
        return {
            **values,
            "rate_per_s": round(self.rate_per_s, 2),
            "eta_s": round(self.eta_s, 2),
            "elapsed_s": round(self.elapsed_s, 3),
            "failures": [asdict(f) for f in self.failures],
        }


def derived_activity_id(source: str, legacy_id: str) -> str:
    """The id a legacy item's new activity gets: the same in every run, so a retried PUT hits the same key."""
    return str(uuid.uuid5(ACTIVITY_ID_NAMESPACE, f"{source}\n{legacy_id}"))


def _unpack(raw: bytes, max_bytes: int) -> tuple[bytes, str]:
    data, _kind = decompress(raw, max_bytes)
    if not data:
        raise ItemFailed("the file is empty")
    return data, hashlib.sha256(data).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LegacyMigration:
    def __init__(
        self,
        store: MigrationStore,
        activities: ActivityLookup,
        objects: Objects,
        *,
        max_bytes: int,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.activities = activities
        self.objects = objects
        self.max_bytes = max_bytes
        self.clock = clock

    async def run(
        self,
        sources: Sequence[Source],
        users: UserMap,
        *,
        folder_user: str = "",
        options: MigrationOptions,
        operator_id: str,
        progress_every_s: float = 0.5,
    ) -> AsyncIterator[MigrationReport]:
        """Migrate `sources`, yielding a report every `progress_every_s` and a final one (`final=True`).

        Closing the iterator stops the work; what was committed stays, and the next run resumes."""
        run = _Run(
            self, sources, users, folder_user, options, MigrationReport(str(uuid.uuid4()), options.dry_run)
        )
        description = "; ".join(source.describe() for source in sources)
        await self.store.start_run(run.report.run_id, operator_id, description, options.dry_run)
        log.info(
            "legacy migration started",
            extra={"fields": {"run_id": run.report.run_id, "source": description, **asdict(options)}},
        )
        saver = asyncio.create_task(self._save_while_running(run.report), name="migration-report")
        try:
            async for report in progress_while(run.execute(), run.report, progress_every_s):
                if report.final:
                    # Stored before it is announced: a ListMigrationRuns right after the final report (the
                    # operators' page, `fitctl admin migrations`) shows the run finished, not still running.
                    with contextlib.suppress(Exception):
                        await self.store.save_run(run.report.run_id, run.report.as_dict(), finished=True)
                yield report
        finally:
            saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver
            with contextlib.suppress(Exception):
                await self.store.save_run(run.report.run_id, run.report.as_dict(), finished=run.report.final)
            log.info("legacy migration ended", extra={"fields": run.report.as_dict() | {"failures": None}})

    async def _save_while_running(self, report: MigrationReport) -> None:
        while True:
            await asyncio.sleep(SAVE_INTERVAL_S)
            with contextlib.suppress(Exception):  # a report refresh never stops the migration
                await self.store.save_run(report.run_id, report.as_dict(), finished=False)


class _Run:
    """One migration run: a producer reading the sources, `parallelism` workers migrating items."""

    def __init__(
        self,
        migration: LegacyMigration,
        sources: Sequence[Source],
        users: UserMap,
        folder_user: str,
        options: MigrationOptions,
        report: MigrationReport,
    ) -> None:
        self.m = migration
        self.sources = sources
        self.users = users
        self.folder_user = folder_user
        self.options = options
        self.report = report
        self.seen: set[tuple[str, str]] = set()  # (user, sha256) a dry run would migrate
        self.queue: asyncio.Queue[tuple[Source, LegacyItem, bytes | None] | None] = asyncio.Queue(
            maxsize=options.parallelism * 2
        )

    async def execute(self) -> None:
        try:
            plans = []
            for source in self.sources:
                items = await source.items()
                plans.append((source, items, await self.m.store.imported(source.source)))
                self.report.total += len(items)
            if self.options.write_back and not self.options.dry_run:
                for source in self.sources:
                    if isinstance(source, TableSource):
                        await source.prepare_write_back()
            workers = [asyncio.create_task(self._worker()) for _ in range(self.options.parallelism)]
            try:
                for source, items, imported in plans:
                    await self._produce(source, items, imported)
                for _ in workers:
                    await self.queue.put(None)
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
        except (OSError, ConnectionError) as exc:
            raise Unavailable(f"the migration lost a connection ({exc}); run it again to resume") from None

    async def _produce(self, source: Source, items: list[LegacyItem], imported: dict[str, Any]) -> None:
        pending: list[LegacyItem] = []
        earlier: list[tuple[LegacyItem, Any]] = []
        for item in items:
            if item.legacy_id in imported:
                earlier.append((item, imported[item.legacy_id]))
            else:
                pending.append(item)
        await self._settle_earlier(source, earlier)
        for start in range(0, len(pending), CONTENT_BATCH):
            batch = pending[start : start + CONTENT_BATCH]
            contents: dict[Any, bytes] = {}
            if isinstance(source, TableSource):
                contents = await source.contents([i.key for i in batch if i.has_content])
            for item in batch:
                await self.queue.put((source, item, contents.get(item.key) if item.has_content else None))

    async def _settle_earlier(self, source: Source, earlier: list[tuple[LegacyItem, Any]]) -> None:
        """Items an earlier run handled: counted as such; queued now if that run did not, written back."""
        if not earlier:
            return
        if self.options.analyze and not self.options.dry_run:
            now = self.m.clock()
            events = {
                item.legacy_id: upload_completed_event(done.activity, self.m.objects.bucket, now)
                for item, done in earlier
                if done.outcome == "migrated" and not done.queued
            }
            self.report.queued += await self.m.store.queue(source.source, events)
        if self.options.write_back and not self.options.dry_run and isinstance(source, TableSource):
            await source.write_back(
                (item.key, done.activity.object_key, done.activity.sha256) for item, done in earlier
            )
        self.report.already_migrated += len(earlier)
        self.report.done += len(earlier)

    async def _worker(self) -> None:
        while (entry := await self.queue.get()) is not None:
            source, item, content = entry
            try:
                await self._migrate(source, item, content)
            except ItemFailed as exc:
                self.report.fail(item, str(exc))
            except DomainError as exc:  # the store refused or is down: this item waits for the next run
                self.report.fail(item, exc.message)

    async def _migrate(self, source: Source, item: LegacyItem, content: bytes | None) -> None:
        user_id = self.folder_user or self.users.resolve(item.legacy_user)
        if content is None:
            if not item.path:
                raise ItemFailed("the row has neither file content nor a file path")
            content = await asyncio.to_thread(read_file, item.path, self.m.max_bytes)
        data, sha256 = await asyncio.to_thread(_unpack, content, self.m.max_bytes)
        existing = await self.m.activities.find_by_sha256(user_id, sha256)
        if self.options.dry_run:
            self._predict(user_id, sha256, len(data), existing)
            return
        derived = derived_activity_id(item.source, item.legacy_id)
        if existing is not None and existing.status != PENDING:
            await self._link(source, item, existing, derived)
            return
        activity_id = existing.id if existing is not None else derived
        key = existing.object_key if existing is not None else object_key(user_id, activity_id)
        await self.m.objects.put_verified(key, data, sha256)
        now = self.m.clock()
        activity = Activity(
            id=activity_id,
            user_id=user_id,
            file_name=item.file_name,
            size_bytes=len(data),
            sha256=sha256,
            object_key=key,
            status=UPLOADED,
            created_at=now,
            uploaded_at=now,
            url_expires_at=now,
        )
        event = upload_completed_event(activity, self.m.objects.bucket, now) if self.options.analyze else None
        outcome, other = await self.m.store.record_migrated(activity, item.source, item.legacy_id, event)
        if outcome == "duplicate" and other is not None:  # the same bytes of the same owner got there first
            await self._link(source, item, other, activity_id)
            return
        if outcome == "already":  # another run migrated it meanwhile
            self.report.already_migrated += 1
        else:
            self.report.migrated += 1
            self.report.bytes += len(data)
            self.report.queued += event is not None
        await self._write_back(source, item, key, sha256)
        self.report.done += 1

    async def _link(self, source: Source, item: LegacyItem, existing: Activity, own_id: str) -> None:
        await self.m.store.record_duplicate(item.source, item.legacy_id, existing.id)
        if own_id != existing.id:
            # An interrupted run (or the race just lost) may have stored a copy under this item's own key.
            await self.m.objects.delete(object_key(existing.user_id, own_id))
        await self._write_back(source, item, existing.object_key, existing.sha256)
        self.report.duplicates += 1
        self.report.done += 1

    async def _write_back(self, source: Source, item: LegacyItem, key: str, sha256: str) -> None:
        if self.options.write_back and isinstance(source, TableSource):
            await source.write_back([(item.key, key, sha256)])

    def _predict(self, user_id: str, sha256: str, size: int, existing: Activity | None) -> None:
        """Dry run: count what a real run would do with this item."""
        if (existing is not None and existing.status != PENDING) or (user_id, sha256) in self.seen:
            self.report.duplicates += 1
        else:
            self.seen.add((user_id, sha256))
            self.report.migrated += 1
            self.report.bytes += size
        self.report.done += 1
