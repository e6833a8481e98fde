// Stacked time-series charts (uPlot: canvas, fast on long activities) with one shared cursor and one zoom:
// dragging across any chart zooms all of them, double-click (or "Reset zoom") zooms back out.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartStreams } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import {
  distanceSeries,
  elevationSeries,
  formatDuration,
  paceUnit,
  readsPace,
  speedSeries,
  type SportKind,
} from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";

type XAxis = "time" | "distance";

interface SeriesSpec {
  key: string;
  label: string;
  unit: string;
  color: string;
  values: (number | null)[];
  invert?: boolean;
  formatY?: (v: number) => string;
}

function finiteOrNull(values: number[]): (number | null)[] {
  return values.map((v) => (Number.isFinite(v) ? v : null));
}

/** A line needs two samples to be drawn (a dive's HR recorded once would be an empty chart). */
function hasData(values: (number | null)[]): boolean {
  let drawn = 0;
  for (const v of values) if (v !== null && v !== 0 && ++drawn >= 2) return true;
  return false;
}

/** Whether any chart would draw (a yoga session with HR only does; a file with no samples at all does not). */
export function hasChartData(streams: ChartStreams): boolean {
  if (streams.elapsedS.length < 2) return false;
  return [streams.heartRateBpm, streams.speedMps, streams.powerW, streams.altitudeM, streams.cadence].some((values) =>
    hasData(finiteOrNull(values)),
  );
}

export function ActivityCharts({ streams, sport }: { streams: ChartStreams; sport: SportKind }) {
  const { t } = useTranslation();
  const { units, fmt } = usePreferences();
  const hasDistance = streams.distanceM.some((v) => Number.isFinite(v) && v > 0);
  const [xAxis, setXAxis] = useState<XAxis>("time");
  const [resetToken, setResetToken] = useState(0);
  const x = xAxis === "distance" && hasDistance;

  const { xs, series } = useMemo(() => {
    const xs = x ? streams.distanceM.map((d) => distanceSeries(d, units) ?? NaN) : streams.elapsedS;
    const pace = readsPace(sport);
    const all: SeriesSpec[] = [
      { key: "hr", label: t("charts.hr"), unit: "bpm", color: "#c0392b", values: finiteOrNull(streams.heartRateBpm) },
      {
        key: "pace",
        label: pace ? t("charts.pace") : t("charts.speed"),
        unit: pace ? paceUnit(units, sport) : units === "imperial" ? "mph" : "km/h",
        color: "#1f6feb",
        values: streams.speedMps.map((v) => speedSeries(v, units, sport)),
        invert: pace,
        formatY: pace ? (v) => formatDuration(v * 60) : undefined,
      },
      { key: "power", label: t("charts.power"), unit: "W", color: "#8e44ad", values: finiteOrNull(streams.powerW) },
      {
        key: "elevation",
        label: t("charts.elevation"),
        unit: units === "imperial" ? "ft" : "m",
        color: "#2e7d32",
        values: streams.altitudeM.map((v) => elevationSeries(v, units)),
      },
      { key: "cadence", label: t("charts.cadence"), unit: sport === "run" ? "spm" : "rpm", color: "#b7791f", values: finiteOrNull(streams.cadence) },
    ];
    return { xs, series: all.filter((s) => hasData(s.values)) };
  }, [streams, units, sport, x, t]);

  const formatX = useCallback(
    (v: number) => (x ? `${fmt.number(v, 2)} ${units === "imperial" ? "mi" : "km"}` : formatDuration(v)),
    [x, fmt, units],
  );

  if (series.length === 0) return <p className="muted">{t("charts.none")}</p>;
  return (
    <div className="charts">
      <div className="row chart-controls">
        <fieldset className="segmented">
          <legend className="visually-hidden">{t("charts.xAxis")}</legend>
          <label>
            <input type="radio" name="x-axis" checked={!x} onChange={() => setXAxis("time")} />
            {t("charts.byTime")}
          </label>
          <label>
            <input type="radio" name="x-axis" checked={x} disabled={!hasDistance} onChange={() => setXAxis("distance")} />
            {t("charts.byDistance")}
          </label>
        </fieldset>
        <button type="button" className="button small" onClick={() => setResetToken((n) => n + 1)}>
          {t("charts.resetZoom")}
        </button>
        <span className="muted small">{t("charts.zoomHint")}</span>
      </div>
      <ChartStack xs={xs} series={series} formatX={formatX} xLabel={x ? t("charts.byDistance") : t("charts.byTime")} resetToken={resetToken} />
    </div>
  );
}

function ChartStack({ xs, series, formatX, xLabel, resetToken }: { xs: number[]; series: SeriesSpec[]; formatX: (v: number) => string; xLabel: string; resetToken: number }) {
  const holders = useRef<(HTMLDivElement | null)[]>([]);
  const plots = useRef<uPlot[]>([]);

  useEffect(() => {
    const syncKey = `activity-${Math.random().toString(36).slice(2)}`;
    let syncing = false;
    const created: uPlot[] = [];
    series.forEach((spec, i) => {
      const el = holders.current[i];
      if (!el) return;
      const opts: uPlot.Options = {
        width: Math.max(280, el.clientWidth),
        height: 150,
        cursor: { sync: { key: syncKey, setSeries: false }, drag: { x: true, y: false } },
        legend: { show: true, live: true },
        scales: { x: { time: false }, y: { dir: spec.invert ? -1 : 1 } },
        axes: [
          { values: (_u, ticks) => ticks.map(formatX), size: 32 },
          { label: `${spec.label} (${spec.unit})`, size: 64, values: spec.formatY ? (_u, ticks) => ticks.map(spec.formatY!) : undefined },
        ],
        series: [
          { label: xLabel, value: (_u, v) => (v === null ? "–" : formatX(v)) },
          {
            label: spec.label,
            stroke: spec.color,
            width: 1.5,
            spanGaps: false,
            value: (_u, v) => (v === null ? "–" : `${spec.formatY ? spec.formatY(v) : Math.round(v * 10) / 10} ${spec.unit}`),
          },
        ],
        hooks: {
          // One zoom for the whole stack: a zoom on any chart is applied to the others.
          setScale: [
            (u, key) => {
              if (key !== "x" || syncing) return;
              syncing = true;
              const { min, max } = u.scales.x;
              for (const other of created) if (other !== u && min != null && max != null) other.setScale("x", { min, max });
              syncing = false;
            },
          ],
        },
      };
      created.push(new uPlot(opts, [xs, spec.values], el));
    });
    plots.current = created;
    // Read by bench/web.py: the time from opening the page to charts drawn.
    performance.mark("fitcoach:charts-drawn");
    const onResize = () => {
      created.forEach((plot, i) => {
        const el = holders.current[i];
        if (el) plot.setSize({ width: Math.max(280, el.clientWidth), height: 150 });
      });
    };
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      created.forEach((p) => p.destroy());
    };
  }, [xs, series, formatX, xLabel]);

  useEffect(() => {
    if (resetToken === 0) return;
    const finite = xs.filter(Number.isFinite);
    if (finite.length === 0) return;
    plots.current.forEach((p) => p.setScale("x", { min: Math.min(...finite), max: Math.max(...finite) }));
  }, [resetToken, xs]);

  return (
    <div className="chart-stack">
      {series.map((spec, i) => (
        <figure key={spec.key} className="chart" data-testid={`chart-${spec.key}`} data-points={spec.values.filter((v) => v !== null).length}>
          <figcaption className="visually-hidden">{spec.label}</figcaption>
          <div ref={(el) => { holders.current[i] = el; }} />
        </figure>
      ))}
    </div>
  );
}
