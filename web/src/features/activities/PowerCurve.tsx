import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import type { CurvePoint } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { formatDuration } from "../../lib/format.js";

/** Mean-max power against duration (log scale: seconds to hours on one axis). */
export function PowerCurve({ points }: { points: CurvePoint[] }) {
  const { t } = useTranslation();
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    const valid = points.filter((p) => p.durationS > 0 && Number.isFinite(p.value));
    if (!el || valid.length < 2) return;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 180,
        scales: { x: { time: false, distr: 3 } },
        axes: [{ values: (_u, ticks) => ticks.map((v) => formatDuration(v)) }, { label: "W", size: 56 }],
        series: [
          { value: (_u, v) => (v == null ? "–" : formatDuration(v)) },
          { label: t("detail.powerCurve"), stroke: "#8e44ad", width: 2, value: (_u, v) => (v == null ? "–" : `${Math.round(v)} W`) },
        ],
      },
      [valid.map((p) => p.durationS), valid.map((p) => p.value)],
      el,
    );
    return () => plot.destroy();
  }, [points, t]);
  if (points.length < 2) return null;
  return (
    <figure className="chart" data-testid="power-curve">
      <figcaption>{t("detail.powerCurve")}</figcaption>
      <div ref={holder} />
    </figure>
  );
}
