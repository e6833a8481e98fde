import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Card, DaysSelect, EmptyState, QueryView } from "../../components/ui.js";
import { ActivityService } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import type { FitnessDay } from "../../gen/fitcoach/advisor/v1/advisor_service_pb.js";
import { usePreferences } from "../../lib/preferences.js";

const RANGES = [42, 90, 180, 365] as const;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Fitness (CTL), fatigue (ATL) and form (TSB) over a chosen range, with each day's training load. */
export default function FitnessPage() {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const [days, setDays] = useState<number>(90);
  const [endDate, setEndDate] = useState(() => isoDay(new Date()));
  const range = useMemo(() => {
    const end = new Date(`${endDate}T00:00:00Z`);
    const start = new Date(end.getTime() - (days - 1) * 86_400_000);
    return { startDate: isoDay(start), endDate };
  }, [days, endDate]);
  const query = useQuery(ActivityService.method.getFitnessTrend, range);
  const trend = query.data?.days ?? [];
  const last = trend[trend.length - 1];

  return (
    <Card
      title={t("fitness.title")}
      id="fitness"
      actions={
        <>
          <DaysSelect label={t("fitness.range")} days={days} choices={RANGES} onChange={setDays} />
          <label className="inline-field">
            <span>{t("fitness.endDate")}</span>
            <input
              type="date"
              value={endDate}
              max={isoDay(new Date())}
              onChange={(e) => /^\d{4}-\d{2}-\d{2}$/.test(e.target.value) && setEndDate(e.target.value)}
            />
          </label>
        </>
      }
    >
      <QueryView query={query}>
        {() =>
          trend.every((d) => d.load === 0) ? (
            <EmptyState title={t("fitness.empty")}>
              <p className="muted">{t("fitness.emptyHint")}</p>
            </EmptyState>
          ) : (
            <>
              {last && (
                <dl className="stats">
                  <div className="stat"><dt>{t("fitness.ctl")}</dt><dd data-testid="ctl">{fmt.number(last.ctl, 1)}</dd></div>
                  <div className="stat"><dt>{t("fitness.atl")}</dt><dd>{fmt.number(last.atl, 1)}</dd></div>
                  <div className="stat"><dt>{t("fitness.tsb")}</dt><dd>{fmt.number(last.tsb, 1)}</dd></div>
                </dl>
              )}
              <TrendChart days={trend} />
              <p className="muted small">{t("fitness.explain")}</p>
            </>
          )
        }
      </QueryView>
    </Card>
  );
}

function TrendChart({ days }: { days: FitnessDay[] }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const xs = days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
    const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 8] }) : undefined;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 260,
        scales: { x: { time: true }, load: { range: (_u, _min, max) => [0, Math.max(10, max * 3)] } },
        axes: [
          { values: (_u, ticks) => ticks.map((v) => fmt.day(new Date(v * 1000).toISOString().slice(0, 10))) },
          { label: t("fitness.axis") },
          { scale: "load", side: 1, show: false },
        ],
        series: [
          {},
          { label: t("fitness.load"), scale: "load", fill: "rgba(120,120,120,0.35)", stroke: "rgba(120,120,120,0.6)", paths: bars },
          { label: t("fitness.ctl"), stroke: "#1f6feb", width: 2 },
          { label: t("fitness.atl"), stroke: "#c0392b", width: 1.5 },
          { label: t("fitness.tsb"), stroke: "#2e7d32", width: 1.5, dash: [4, 4] },
        ],
      },
      [xs, days.map((d) => d.load), days.map((d) => d.ctl), days.map((d) => d.atl), days.map((d) => d.tsb)],
      el,
    );
    return () => plot.destroy();
  }, [days, fmt, t]);
  return (
    <figure className="chart" data-testid="fitness-chart">
      <figcaption className="visually-hidden">{t("fitness.title")}</figcaption>
      <div ref={holder} />
    </figure>
  );
}
