"""The upload service's half of OpsService: the legacy migration (it writes upload.* tables, which only this
service may). The analyzer serves the other methods; the gateway routes each method to its server, and the
server's interceptor lets only operators in (fitcoach_runtime.grpc_server.OPERATOR_SERVICES)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fitcoach.ops.v1 import ops_service_pb2 as pb
from fitcoach.ops.v1 import ops_service_pb2_grpc as pb_grpc
from fitcoach_runtime.auth import current_principal
from fitcoach_runtime.errors import InvalidArgument
from fitcoach_runtime.grpc_server import ServicerContext
from google.protobuf import json_format

from upload_service.legacy import TableSpec, open_sources
from upload_service.migration import (
    DEFAULT_PARALLELISM,
    MAX_PARALLELISM,
    LegacyMigration,
    MigrationOptions,
    MigrationReport,
)
from upload_service.repository import MigrationRepository

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["OpsService"].full_name
# A run whose report was not refreshed for this long is no longer running (its process stopped).
INTERRUPTED_AFTER = dt.timedelta(seconds=30)
DEFAULT_RUNS = 20
MAX_RUNS = 100


def progress_message(report: MigrationReport) -> pb.MigrationProgress:
    return _progress(report.as_dict())


def _progress(report: dict[str, Any]) -> pb.MigrationProgress:
    """A report (MigrationReport.as_dict(), live or as stored with its run) as the API's message."""
    return json_format.ParseDict(report, pb.MigrationProgress(), ignore_unknown_fields=True)


def _table_spec(table: pb.LegacyTable) -> TableSpec:
    given = {
        name: value
        for name in ("name", "id_column", "user_column", "path_column", "content_column")
        if (value := getattr(table, name).strip())
    }
    return TableSpec(**({"name": "activities"} | given))


class UploadOpsServicer(pb_grpc.OpsServiceServicer):
    def __init__(self, migration: LegacyMigration, runs: MigrationRepository) -> None:
        self.migration = migration
        self.runs = runs

    async def MigrateLegacy(
        self, request: pb.MigrateLegacyRequest, context: ServicerContext
    ) -> AsyncIterator[pb.MigrateLegacyResponse]:
        parallelism = request.parallelism or DEFAULT_PARALLELISM
        if not 1 <= parallelism <= MAX_PARALLELISM:
            raise InvalidArgument(f"parallelism must be between 1 and {MAX_PARALLELISM}")
        folder_user = ""
        if request.from_dir:
            try:
                folder_user = str(uuid.UUID(request.from_dir_user_id))
            except ValueError:
                raise InvalidArgument(
                    "from_dir needs from_dir_user_id, the files' owner (a user id)"
                ) from None
        options = MigrationOptions(
            analyze=not request.no_analyze,
            write_back=request.write_back,
            dry_run=request.dry_run,
            parallelism=parallelism,
        )
        async with contextlib.AsyncExitStack() as resources:
            sources, users = await open_sources(
                resources,
                dsn=request.legacy_dsn.strip(),
                tables=[_table_spec(t) for t in request.tables],
                from_dir=request.from_dir,
                files_root=request.files_root,
                user_map_csv=request.user_map_csv,
                user_map_query=request.user_map_query,
            )
            async for report in self.migration.run(
                sources,
                users,
                folder_user=folder_user,
                options=options,
                operator_id=current_principal().user_id,
            ):
                yield pb.MigrateLegacyResponse(progress=progress_message(report))

    async def ListMigrationRuns(
        self, request: pb.ListMigrationRunsRequest, context: ServicerContext
    ) -> pb.ListMigrationRunsResponse:
        if not 0 <= request.page_size <= MAX_RUNS:
            raise InvalidArgument(f"page_size must be between 1 and {MAX_RUNS}")
        now = dt.datetime.now(dt.UTC)
        runs = []
        for row in await self.runs.runs(request.page_size or DEFAULT_RUNS):
            if row["finished_at"] is not None:
                state = "finished"
            elif now - row["heartbeat_at"] < INTERRUPTED_AFTER:
                state = "running"
            else:
                state = "interrupted"
            run = pb.MigrationRun(
                run_id=row["id"], operator_id=row["operator_id"], source=row["source"], state=state
            )
            run.started_at.FromDatetime(row["started_at"])
            if row["finished_at"] is not None:
                run.finished_at.FromDatetime(row["finished_at"])
            report = json.loads(row["report"]) or {"run_id": row["id"], "dry_run": row["dry_run"]}
            run.report.CopyFrom(_progress(report))
            runs.append(run)
        return pb.ListMigrationRunsResponse(runs=runs)
