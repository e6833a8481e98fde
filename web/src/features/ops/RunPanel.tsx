// A long run's live progress: a bar (indeterminate until the total is known), the counts, rate, ETA, and
// on the final report what failed and why. Replays and re-drives report a ReplayProgress, migrations a
// MigrationProgress; both end here.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Table, type Column } from "../../components/Table.js";
import { ErrorState } from "../../components/ui.js";
import { ReplayPhase, type MigrationProgress, type ReplayProgress } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { formatDuration } from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";
import { formatBytes, formatCount } from "./format.js";
import { migrationFraction, replayFraction } from "./progress.js";
import type { RunState } from "./useRun.js";

const PHASES: Record<ReplayPhase, string> = {
  [ReplayPhase.UNSPECIFIED]: "starting",
  [ReplayPhase.SCANNING]: "scanning",
  [ReplayPhase.RUNNING]: "running",
  [ReplayPhase.DONE]: "done",
};

const REPLAY_COUNTS = ["scanned", "matched", "done", "skipped", "failed", "adviceRequested"] as const;
/** A migration's counts (the run report's too, MigrationsSection). */
export const MIGRATION_COUNTS = ["total", "done", "migrated", "alreadyMigrated", "duplicates", "failed", "queued"] as const;

interface Count {
  key: string;
  value: bigint;
  text?: string;
}

function RunShell({
  state,
  fraction,
  phase,
  labels,
  counts,
  onStop,
  children,
  testid,
}: {
  /** Both kinds of report carry these figures. */
  state: RunState<Pick<ReplayProgress, "ratePerS" | "etaS" | "elapsedS" | "dryRun">>;
  fraction: number | undefined;
  phase: string;
  /** Whose count labels: a replay's (and re-drive's) or a migration's. */
  labels: "replay" | "migration";
  counts: Count[];
  onStop: () => void;
  children?: ReactNode;
  testid: string;
}) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  if (!state.progress && !state.running && state.error === undefined) return null; // nothing run yet
  const { ratePerS = 0, etaS = 0, elapsedS = 0, dryRun = false } = state.progress ?? {};
  const outcome = state.running ? "running" : state.error ? "error" : (state.end ?? "starting");
  return (
    <div className="run" data-testid={testid} data-outcome={outcome} data-phase={phase} aria-live="polite">
      <div className="run-head">
        <strong>{t(`ops.run.phase.${phase}`)}</strong>
        {dryRun && <span className="badge">{t("ops.run.dryRun")}</span>}
        {state.end === "interrupted" && <span className="badge badge-failed">{t("ops.run.interrupted")}</span>}
        {state.running && (
          <button type="button" className="button small" onClick={onStop}>
            {t("ops.run.stop")}
          </button>
        )}
      </div>
      <progress
        aria-label={t("ops.run.progress")}
        max={1}
        {...(fraction === undefined ? {} : { value: fraction })}
      />
      <dl className="run-counts">
        {counts.map((c) => (
          <div key={c.key} data-count={c.key} data-value={String(c.value)}>
            <dt>{t(`ops.run.${labels}.${c.key}`)}</dt>
            <dd>{c.text ?? formatCount(fmt, c.value)}</dd>
          </div>
        ))}
        <div>
          <dt>{t("ops.run.rate")}</dt>
          <dd>{t("ops.run.perSecond", { value: fmt.number(ratePerS, 1) })}</dd>
        </div>
        <div>
          <dt>{state.running ? t("ops.run.eta") : t("ops.run.elapsed")}</dt>
          <dd>{formatDuration(state.running ? etaS : elapsedS)}</dd>
        </div>
      </dl>
      {state.end === "interrupted" && <p className="muted small">{t("ops.run.interruptedHint")}</p>}
      {state.error !== undefined && <ErrorState error={state.error} />}
      {children}
    </div>
  );
}

export function ReplayRun({ state, onStop, testid }: { state: RunState<ReplayProgress>; onStop: () => void; testid: string }) {
  const { t } = useTranslation();
  const p = state.progress;
  return (
    <RunShell
      state={state}
      testid={testid}
      fraction={p ? replayFraction(p) : undefined}
      phase={p ? PHASES[p.phase] : "starting"}
      labels="replay"
      counts={p ? REPLAY_COUNTS.map((key) => ({ key, value: p[key] })) : []}
      onStop={onStop}
    >
      {p && p.lastSequence > 0n && (
        <p className="muted small">{t("ops.run.sequences", { first: String(p.firstSequence), last: String(p.lastSequence) })}</p>
      )}
      {p && p.failures.length > 0 && (
        <RunFailures
          columns={[t("ops.col.activity"), t("ops.col.sequence")]}
          rows={p.failures.map((f) => [f.activityId, String(f.sequence), f.reason])}
        />
      )}
    </RunShell>
  );
}

export function MigrationRun({ state, onStop }: { state: RunState<MigrationProgress>; onStop: () => void }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const p = state.progress;
  return (
    <RunShell
      state={state}
      testid="migration-run"
      fraction={p ? migrationFraction(p) : undefined}
      phase={!p ? "starting" : p.final ? "done" : "running"}
      labels="migration"
      counts={p ? [...MIGRATION_COUNTS.map((key) => ({ key, value: p[key] })), { key: "bytes", value: p.bytes, text: formatBytes(fmt, p.bytes) }] : []}
      onStop={onStop}
    >
      {p && p.failures.length > 0 && <MigrationFailures progress={p} />}
      {p?.final && <p className="muted small">{t("ops.migrations.runId", { id: p.runId })}</p>}
    </RunShell>
  );
}

export function MigrationFailures({ progress }: { progress: MigrationProgress }) {
  const { t } = useTranslation();
  return <RunFailures columns={[t("ops.col.source"), t("ops.col.legacyId")]} rows={progress.failures.map((f) => [f.source, f.legacyId, f.reason])} />;
}

/** What failed in a run and why: rows of [where, which, reason] (an activity and its event, a legacy row). */
function RunFailures({ columns, rows }: { columns: [string, string]; rows: string[][] }) {
  const { t } = useTranslation();
  const reason: Column<string[]> = { key: "reason", label: t("ops.col.reason"), cell: (row) => row[2] };
  return (
    <Table
      testid="run-failures"
      caption={t("ops.run.failures")}
      rows={rows}
      rowKey={(row) => row.join("\u0000")}
      columns={[...columns.map((label, i) => ({ key: String(i), label, className: "ids", cell: (row: string[]) => row[i] })), reason]}
    />
  );
}
