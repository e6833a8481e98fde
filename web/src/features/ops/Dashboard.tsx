// The pipeline dashboard (GetPipelineStats, refreshed every few seconds): activities by status with their
// average size, the analysis delay's distribution and per-stage delays over a window, the analyzer's queue
// over time, the outbox, dead letters, stored files and the most frequent failure reasons.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Table, type Column } from "../../components/Table.js";
import { Card, DaysSelect, EmptyState, QueryView, Stat } from "../../components/ui.js";
import { OpsService, type DelayStats, type GetPipelineStatsResponse } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { usePreferences } from "../../lib/preferences.js";
import { DEFAULT_WINDOW_DAYS, statsRequest, STATS_REFRESH_MS } from "./api.js";
import { delayBucketLabels, formatBytes, formatCount, formatMoment, formatSeconds } from "./format.js";
import { BarChart, TimeLineChart } from "./OpsCharts.js";
import { visibleBuckets, type QueueSample } from "./figures.js";

const WINDOWS = [1, 7, 30, 90] as const;
const STATUS_ORDER = ["pending", "uploaded", "analyzing", "analyzed", "failed", "duplicate"];
// A bar per status in a colour that reads at a glance: done green, failed red, in flight blue/amber, the rest grey.
const STATUS_COLORS: Record<string, string> = {
  pending: "#8a8f98",
  uploaded: "#1f6feb",
  analyzing: "#b7791f",
  analyzed: "#2e7d32",
  failed: "#c62828",
  duplicate: "#8a8f98",
};
const OTHER_STATUS_COLOR = "#8a8f98";

export function Dashboard({ queue }: { queue: QueueSample[] }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const [days, setDays] = useState<number>(DEFAULT_WINDOW_DAYS);
  const query = useQuery(OpsService.method.getPipelineStats, statsRequest(days), { refetchInterval: STATS_REFRESH_MS });
  const stats = query.data;
  return (
    <>
      <div className="row ops-toolbar">
        <DaysSelect label={t("ops.dashboard.window")} days={days} choices={WINDOWS} onChange={setDays} testid="stats-window" />
        <button type="button" className="button small" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {t("ops.dashboard.refresh")}
        </button>
        {stats?.generatedAt && (
          <span className="muted small" data-testid="stats-updated">
            {t("ops.dashboard.updated", { time: formatMoment(fmt, timestampDate(stats.generatedAt)) })}
            {stats.analyzerVersion && ` · ${t("ops.dashboard.analyzerVersion", { version: stats.analyzerVersion })}`}
          </span>
        )}
      </div>
      <QueryView query={query}>{(figures) => <DashboardView stats={figures} queue={queue} />}</QueryView>
    </>
  );
}

function DashboardView({ stats, queue }: { stats: GetPipelineStatsResponse; queue: QueueSample[] }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const statuses = useMemo(
    () => [...stats.statuses].sort((a, b) => rank(a.status) - rank(b.status)),
    [stats.statuses],
  );
  const statusLabel = useCallback((status: string) => t(`ops.status.${status}`, { defaultValue: status }), [t]);
  const statusLabels = useMemo(() => statuses.map((s) => statusLabel(s.status)), [statuses, statusLabel]);
  const statusCounts = useMemo(() => statuses.map((s) => Number(s.count)), [statuses]);
  const statusColors = useMemo(() => statuses.map((s) => STATUS_COLORS[s.status] ?? OTHER_STATUS_COLOR), [statuses]);
  const histogram = stats.analysisDelayHistogram;
  const { bucketLabels, bucketCounts } = useMemo(() => {
    // Labels from the whole histogram (each names its own range), bars for the part with data.
    const labels = delayBucketLabels(fmt, histogram.map((b) => b.leS));
    const shown = visibleBuckets(histogram);
    const offset = histogram.indexOf(shown[0]);
    return { bucketLabels: labels.slice(offset, offset + shown.length), bucketCounts: shown.map((b) => Number(b.count)) };
  }, [histogram, fmt]);
  const countText = useCallback((v: number) => fmt.number(v), [fmt]);
  // Samples come every few seconds: the time axis needs its seconds.
  const timeText = useCallback((ms: number) => new Intl.DateTimeFormat(fmt.locale, { timeStyle: "medium" }).format(new Date(ms)), [fmt]);
  const queueTimes = useMemo(() => queue.map((s) => s.at), [queue]);
  const queueSeries = useMemo(
    () => [
      { label: t("ops.queue.pending"), color: "#1f6feb", values: queue.map((s) => s.pending) },
      { label: t("ops.queue.ackPending"), color: "#b7791f", values: queue.map((s) => s.ackPending) },
    ],
    [queue, t],
  );
  const total = stats.statuses.reduce((sum, s) => sum + s.count, 0n);
  const q = stats.queue;
  const measured = stats.analysisDelay?.count ? stats.analysisDelay : undefined;

  return (
    <>
      <dl className="stats" data-testid="ops-tiles">
        <Stat metric="activities" label={t("ops.tiles.activities")} value={formatCount(fmt, total)} raw={Number(total)} />
        <Stat metric="storedObjects" label={t("ops.tiles.stored")} value={formatCount(fmt, stats.storedObjects)} raw={Number(stats.storedObjects)} secondary={formatBytes(fmt, stats.storedBytes)} />
        <Stat metric="analysisP50" label={t("ops.tiles.delayP50")} value={measured ? formatSeconds(fmt, measured.p50S) : "–"} secondary={measured ? t("ops.tiles.p95", { value: formatSeconds(fmt, measured.p95S) }) : undefined} />
        <Stat metric="queuePending" label={t("ops.tiles.queue")} value={formatCount(fmt, q?.pending)} raw={Number(q?.pending ?? 0n)} secondary={t("ops.tiles.ackPending", { count: Number(q?.ackPending ?? 0n) })} />
        <Stat metric="outboxBacklog" label={t("ops.tiles.outbox")} value={formatCount(fmt, stats.outboxBacklog)} raw={Number(stats.outboxBacklog)} secondary={stats.outboxBacklog > 0n ? t("ops.tiles.oldest", { age: formatSeconds(fmt, stats.outboxOldestAgeS) }) : undefined} />
        <Stat metric="deadLetters" label={t("ops.tiles.deadLetters")} value={formatCount(fmt, stats.deadLetters)} raw={Number(stats.deadLetters)} />
      </dl>

      <div className="grid-2">
        <Card title={t("ops.dashboard.statuses")} id="ops-statuses">
          {statuses.length === 0 ? (
            <EmptyState title={t("ops.dashboard.noActivities")} />
          ) : (
            <>
              <BarChart labels={statusLabels} values={statusCounts} seriesLabel={t("ops.col.count")} color="#2e7d32" barColors={statusColors} testid="chart-statuses" caption={t("ops.dashboard.statuses")} formatValue={countText} />
              <Table
                testid="status-table"
                rows={statuses}
                rowKey={(s) => s.status}
                rowAttributes={(s) => ({ "data-status": s.status, "data-count": String(s.count) })}
                columns={[
                  { key: "status", label: t("ops.col.status"), cell: (s) => statusLabel(s.status) },
                  { key: "count", label: t("ops.col.count"), numeric: true, cell: (s) => formatCount(fmt, s.count) },
                  { key: "size", label: t("ops.col.avgSize"), numeric: true, cell: (s) => formatBytes(fmt, s.avgSizeKb * 1024) },
                ]}
              />
            </>
          )}
        </Card>

        <Card title={t("ops.dashboard.delay")} id="ops-delay">
          {bucketCounts.every((c) => c === 0) ? (
            <p className="muted">{t("ops.dashboard.noDelays")}</p>
          ) : (
            <BarChart labels={bucketLabels} values={bucketCounts} seriesLabel={t("ops.col.count")} color="#1f6feb" testid="chart-delay" caption={t("ops.dashboard.delay")} formatValue={countText} slanted />
          )}
          <DelayTable stats={stats} />
        </Card>
      </div>

      <div className="grid-2">
        <Card title={t("ops.dashboard.queue")} id="ops-queue">
          {queue.length < 2 ? (
            <p className="muted" data-testid="queue-sampling">{t("ops.queue.sampling", { seconds: STATS_REFRESH_MS / 1000 })}</p>
          ) : (
            <TimeLineChart times={queueTimes} series={queueSeries} testid="chart-queue" caption={t("ops.dashboard.queue")} formatTime={timeText} formatValue={countText} />
          )}
          {q && (
            <p className="muted small" data-testid="queue-figures">
              {t("ops.queue.detail", {
                consumer: q.consumer,
                redelivered: formatCount(fmt, q.redelivered),
                messages: formatCount(fmt, q.streamMessages),
                last: String(q.streamLastSequence),
              })}
            </p>
          )}
        </Card>

        <Card title={t("ops.dashboard.failures")} id="ops-failures">
          {stats.topFailures.length === 0 ? (
            <p className="muted">{t("ops.dashboard.noFailures")}</p>
          ) : (
            <Table
              testid="failure-table"
              rows={stats.topFailures}
              rowKey={(f) => f.reason}
              columns={[
                { key: "reason", label: t("ops.col.reason"), cell: (f) => f.reason },
                { key: "count", label: t("ops.col.count"), numeric: true, cell: (f) => formatCount(fmt, f.count) },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}

function rank(status: string): number {
  const i = STATUS_ORDER.indexOf(status);
  return i < 0 ? STATUS_ORDER.length : i;
}

const STAGES = ["analysisDelay", "queueDelay", "analysisTime", "adviceTime"] as const;
type Stage = (typeof STAGES)[number];

function DelayTable({ stats }: { stats: GetPipelineStatsResponse }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  // Delays of no activity are no delays: "–", not "0 ms".
  const seconds = (d: DelayStats | undefined, value: (d: DelayStats) => number) => (d?.count ? formatSeconds(fmt, value(d)) : "–");
  const figure = (key: string, value: (d: DelayStats) => number): Column<Stage> => ({
    key,
    label: t(`ops.col.${key}`),
    numeric: true,
    cell: (stage) => seconds(stats[stage], value),
  });
  return (
    <Table
      testid="delay-table"
      rows={[...STAGES]}
      rowKey={(stage) => stage}
      rowAttributes={(stage) => ({ "data-stage": stage, "data-count": String(stats[stage]?.count ?? 0n) })}
      columns={[
        { key: "stage", label: t("ops.col.stage"), rowHeader: true, cell: (stage) => t(`ops.stage.${stage}`) },
        { key: "count", label: t("ops.col.count"), numeric: true, cell: (stage) => formatCount(fmt, stats[stage]?.count ?? 0n) },
        figure("avg", (d) => d.avgS),
        figure("p50", (d) => d.p50S),
        figure("p95", (d) => d.p95S),
        figure("max", (d) => d.maxS),
      ]}
    />
  );
}
