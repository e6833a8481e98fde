// The legacy migration: the report of recent runs (ListMigrationRuns), and starting one (MigrateLegacy, a
// stream of progress) from a legacy database and/or a folder on the upload service's host. A dry run reads
// and checks everything and writes nothing; a real run asks first. Custom column names and a SQL user map
// are `fitctl admin migrate`'s (this form covers the original design's table).
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Table, type Column } from "../../components/Table.js";
import { Card, EmptyState, QueryView } from "../../components/ui.js";
import {
  OpsService,
  type MigrateLegacyRequest,
  type MigrationProgress,
  type MigrationRun as Run,
} from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { usePreferences } from "../../lib/preferences.js";
import { opsClient } from "./api.js";
import { Checkbox, TextField } from "./fields.js";
import { formatBytes, formatCount, formatMoment } from "./format.js";
import { MIGRATION_COUNTS, MigrationFailures, MigrationRun } from "./RunPanel.js";
import { EMPTY_MIGRATION_FORM, migrationRequest } from "./requests.js";
import { RunFormCard, useRunForm } from "./RunForm.js";
import { useRun } from "./useRun.js";

const RUNS_SHOWN = 20;

const migrateCall = (request: MigrateLegacyRequest, options: { signal: AbortSignal; timeoutMs: number }) =>
  opsClient.migrateLegacy(request, options);

export function MigrationsSection() {
  return (
    <>
      <MigrationRuns />
      <StartMigration />
    </>
  );
}

function MigrationRuns() {
  const { t } = useTranslation();
  const query = useQuery(OpsService.method.listMigrationRuns, { pageSize: RUNS_SHOWN });
  return (
    <Card
      title={t("ops.migrations.title")}
      id="ops-migrations"
      actions={
        <button type="button" className="button small" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {t("ops.dashboard.refresh")}
        </button>
      }
    >
      <QueryView query={query}>
        {({ runs }) =>
          runs.length === 0 ? (
            <EmptyState title={t("ops.migrations.none")}>
              <p className="muted">{t("ops.migrations.noneHint")}</p>
            </EmptyState>
          ) : (
            <RunTable runs={runs} />
          )
        }
      </QueryView>
    </Card>
  );
}

function RunTable({ runs }: { runs: Run[] }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const [open, setOpen] = useState<string | null>(null);
  const counts: Column<Run>[] = MIGRATION_COUNTS.filter((key) => key !== "total" && key !== "done").map((key) => ({
    key,
    label: t(`ops.run.migration.${key}`),
    numeric: true,
    cell: (run) => <span data-count={key}>{formatCount(fmt, run.report?.[key] ?? 0n)}</span>,
  }));
  return (
    <Table
      testid="migration-table"
      rows={runs}
      rowKey={(run) => run.runId}
      rowAttributes={(run) => ({ "data-run-id": run.runId, "data-state": run.state, "data-dry-run": run.report?.dryRun ?? false })}
      after={(run) => open === run.runId && run.report && <MigrationFailures progress={run.report} />}
      columns={[
        {
          key: "started",
          label: t("ops.col.started"),
          cell: (run) => (
            <>
              {formatMoment(fmt, run.startedAt ? timestampDate(run.startedAt) : undefined)}
              {run.report?.dryRun && <span className="badge"> {t("ops.run.dryRun")}</span>}
            </>
          ),
        },
        {
          key: "state",
          label: t("ops.col.state"),
          cell: (run) => <span className={`badge badge-${run.state}`}>{t(`ops.migrations.state.${run.state}`, { defaultValue: run.state })}</span>,
        },
        {
          key: "source",
          label: t("ops.col.source"),
          className: "ids",
          cell: (run) => (
            <>
              {run.source}
              <span className="muted small"> · {t("ops.migrations.by", { id: run.operatorId })}</span>
            </>
          ),
        },
        ...counts,
        {
          key: "bytes",
          label: t("ops.run.migration.bytes"),
          numeric: true,
          cell: (run) => (
            <>
              {formatBytes(fmt, run.report?.bytes ?? 0n)}
              {run.report && run.report.failures.length > 0 && (
                <button type="button" className="button small" aria-expanded={open === run.runId} onClick={() => setOpen(open === run.runId ? null : run.runId)}>
                  {t("ops.migrations.showFailures")}
                </button>
              )}
            </>
          ),
        },
      ]}
    />
  );
}

function StartMigration() {
  const { t } = useTranslation();
  const run = useRun<MigrateLegacyRequest, MigrationProgress>(migrateCall);
  const form = useRunForm(EMPTY_MIGRATION_FORM, migrationRequest, run.start);
  const { set, problem } = form;
  const values = form.form;
  return (
    <RunFormCard texts="ops.migrate" form={form} running={run.state.running} detail={t("ops.migrate.confirmDetail")} run={<MigrationRun state={run.state} onStop={run.stop} />}>
      <fieldset className="form-grid">
        <legend>{t("ops.migrate.database")}</legend>
        <TextField label={t("ops.migrate.legacyDsn")} value={values.legacyDsn} onChange={(v) => set("legacyDsn", v)} problem={problem} field="legacyDsn" placeholder="postgresql://user:pass@host/app" />
        <TextField label={t("ops.migrate.table")} value={values.table} onChange={(v) => set("table", v)} placeholder="activities" />
        <TextField label={t("ops.migrate.filesRoot")} value={values.filesRoot} onChange={(v) => set("filesRoot", v)} />
        <TextField label={t("ops.migrate.userMapCsv")} value={values.userMapCsv} onChange={(v) => set("userMapCsv", v)} multiline placeholder="legacy_user_id,user_id" />
      </fieldset>
      <fieldset className="form-grid">
        <legend>{t("ops.migrate.folder")}</legend>
        <TextField label={t("ops.migrate.fromDir")} value={values.fromDir} onChange={(v) => set("fromDir", v)} problem={problem} field="fromDir" />
        <TextField label={t("ops.migrate.fromDirUserId")} value={values.fromDirUserId} onChange={(v) => set("fromDirUserId", v)} problem={problem} field="fromDirUserId" />
      </fieldset>
      <div className="checks">
        <Checkbox label={t("ops.migrate.noAnalyze")} checked={values.noAnalyze} onChange={(v) => set("noAnalyze", v)} />
        <Checkbox label={t("ops.migrate.writeBack")} checked={values.writeBack} onChange={(v) => set("writeBack", v)} />
      </div>
    </RunFormCard>
  );
}
