// Dead letters: the events the analyzer gave up on (ListDeadLetters, newest first, paged), and re-driving
// some or all of them (RedriveDeadLetters, a stream of progress; each success is marked resolved).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Table } from "../../components/Table.js";
import { Card, EmptyState, LoadMore, QueryView } from "../../components/ui.js";
import {
  OpsService,
  type DeadLetter,
  type RedriveDeadLettersRequestSchema,
  type ReplayProgress,
} from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { usePreferences } from "../../lib/preferences.js";
import { opsClient } from "./api.js";
import { ConfirmRun } from "./RunForm.js";
import { Checkbox } from "./fields.js";
import { formatCount, formatMoment } from "./format.js";
import { ReplayRun } from "./RunPanel.js";
import { useRun } from "./useRun.js";

const PAGE_SIZE = 50;

type RedriveRequest = MessageInitShape<typeof RedriveDeadLettersRequestSchema>;

const redriveCall = (request: RedriveRequest, options: { signal: AbortSignal; timeoutMs: number }) =>
  opsClient.redriveDeadLetters(request, options);

export function DeadLettersSection() {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const [includeResolved, setIncludeResolved] = useState(false);
  const [selected, setSelected] = useState<Set<bigint>>(new Set());
  const [confirmAll, setConfirmAll] = useState(false);
  const query = useInfiniteQuery(
    OpsService.method.listDeadLetters,
    { pageSize: PAGE_SIZE, pageToken: "", includeResolved },
    { pageParamKey: "pageToken", getNextPageParam: (page) => page.nextPageToken || undefined },
  );
  // Once a re-drive ends the list is read again (resolved ones leave it): nothing stays selected.
  const run = useRun<RedriveRequest, ReplayProgress>(redriveCall, () => setSelected(new Set()));
  const letters = query.data?.pages.flatMap((p) => p.deadLetters) ?? [];
  const unresolved = query.data?.pages[0]?.unresolved ?? 0n;

  function toggle(id: bigint, on: boolean) {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  return (
    <Card
      title={t("ops.deadLetters.title")}
      id="ops-dead-letters"
      actions={<Checkbox label={t("ops.deadLetters.includeResolved")} checked={includeResolved} onChange={setIncludeResolved} />}
    >
      <p className="muted">{t("ops.deadLetters.hint")}</p>
      <QueryView query={query}>
        {() => (
          <>
            <p data-testid="dead-letters-unresolved" data-value={String(unresolved)}>
              {t("ops.deadLetters.unresolved", { count: Number(unresolved), value: formatCount(fmt, unresolved) })}
            </p>
            {unresolved > 0n && (
              <div className="row">
                <button
                  type="button"
                  className="button primary"
                  disabled={run.state.running || selected.size === 0}
                  onClick={() => run.start({ ids: [...selected] })}
                >
                  {t("ops.deadLetters.redriveSelected", { count: selected.size })}
                </button>
                <button type="button" className="button" disabled={run.state.running || unresolved === 0n} onClick={() => setConfirmAll(true)}>
                  {t("ops.deadLetters.redriveAll")}
                </button>
              </div>
            )}
            {confirmAll && (
              <ConfirmRun
                question={t("ops.deadLetters.confirmAll", { count: Number(unresolved) })}
                confirmLabel={t("ops.deadLetters.confirmYes")}
                onConfirm={() => {
                  setConfirmAll(false);
                  run.start({ all: true });
                }}
                onCancel={() => setConfirmAll(false)}
              />
            )}
            <ReplayRun state={run.state} onStop={run.stop} testid="redrive-run" />
            {letters.length === 0 ? (
              <EmptyState title={t("ops.deadLetters.none")} />
            ) : (
              <DeadLetterTable letters={letters} selected={selected} onToggle={toggle} disabled={run.state.running} />
            )}
            <LoadMore query={query} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

function DeadLetterTable({ letters, selected, onToggle, disabled }: { letters: DeadLetter[]; selected: Set<bigint>; onToggle: (id: bigint, on: boolean) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  return (
    <Table
      testid="dead-letter-table"
      rows={letters}
      rowKey={(letter) => String(letter.id)}
      rowAttributes={(letter) => ({
        "data-letter-id": String(letter.id),
        "data-activity-id": letter.activityId,
        "data-resolved": letter.resolvedAt !== undefined,
      })}
      columns={[
        {
          key: "select",
          label: <span className="visually-hidden">{t("ops.deadLetters.select")}</span>,
          cellLabel: t("ops.deadLetters.select"),
          cell: (letter) =>
            letter.resolvedAt === undefined && (
              <input
                type="checkbox"
                aria-label={t("ops.deadLetters.selectOne", { id: String(letter.id) })}
                checked={selected.has(letter.id)}
                disabled={disabled}
                onChange={(e) => onToggle(letter.id, e.target.checked)}
              />
            ),
        },
        { key: "when", label: t("ops.col.when"), cell: (letter) => formatMoment(fmt, letter.createdAt ? timestampDate(letter.createdAt) : undefined) },
        {
          key: "activity",
          label: t("ops.col.activity"),
          className: "ids",
          cell: (letter) => (
            <>
              {letter.activityId || "–"}
              {letter.userId && <span className="muted small"> · {t("ops.deadLetters.user", { id: letter.userId })}</span>}
            </>
          ),
        },
        { key: "sequence", label: t("ops.col.sequence"), numeric: true, cell: (letter) => String(letter.streamSequence) },
        { key: "deliveries", label: t("ops.col.deliveries"), numeric: true, cell: (letter) => letter.numDelivered },
        { key: "error", label: t("ops.col.error"), className: "error-text", cell: (letter) => letter.error },
        {
          key: "resolution",
          label: t("ops.col.resolution"),
          cell: (letter) =>
            letter.resolvedAt
              ? t("ops.deadLetters.resolved", { resolution: letter.resolution, when: formatMoment(fmt, timestampDate(letter.resolvedAt)) })
              : t("ops.deadLetters.open"),
        },
      ]}
    />
  );
}
