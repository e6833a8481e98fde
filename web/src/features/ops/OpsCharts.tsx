// The dashboard's charts, on the app's chart library (uPlot, as the activity and fitness pages): bars for
// counts by category (statuses, delay buckets) and lines for the queue over time.
import { useCallback, useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const HEIGHT = 220;
/** Counts are whole: the value axis steps by whole numbers only. */
const TIME_STEPS_S = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7];

/** A uPlot chart in a figure, redrawn when its options or data change and sized to its holder. */
function UPlotFigure({ make, data, testid, caption, points, total }: { make: (width: number) => uPlot.Options; data: uPlot.AlignedData; testid: string; caption: string; points: number; total?: number }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const width = () => Math.max(260, el.clientWidth);
    const plot = new uPlot(make(width()), data, el);
    const onResize = () => plot.setSize({ width: width(), height: HEIGHT });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      plot.destroy();
    };
  }, [make, data]);
  return (
    <figure className="chart" data-testid={testid} data-points={points} data-total={total}>
      <figcaption className="visually-hidden">{caption}</figcaption>
      <div ref={holder} />
    </figure>
  );
}

export interface BarChartProps {
  labels: string[];
  values: number[];
  seriesLabel: string;
  color: string;
  /** A colour per bar (the bar's meaning, e.g. failed in red); `color` when absent. */
  barColors?: string[];
  testid: string;
  caption: string;
  formatValue: (v: number) => string;
  /** Long category names (delay ranges) are drawn slanted. */
  slanted?: boolean;
}

export function BarChart({ labels, values, seriesLabel, color, barColors, testid, caption, formatValue, slanted = false }: BarChartProps) {
  // Rebuilt only when what it draws changes (callers keep their arrays and formatters stable).
  const data = useMemo<uPlot.AlignedData>(() => [labels.map((_, i) => i), values], [labels, values]);
  const make = useCallback(
    (width: number): uPlot.Options => ({
      width,
      height: HEIGHT,
      // The table beside the chart has the numbers: no legend, and no zoom on a handful of bars.
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      padding: [12, slanted ? 28 : 12, 0, 0],
      scales: {
        x: { time: false, range: [-0.5, labels.length - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        {
          splits: () => labels.map((_, i) => i),
          values: (_u, ticks) => ticks.map((i) => labels[i] ?? ""),
          rotate: slanted ? -35 : 0,
          size: slanted ? 72 : 36,
          gap: 4,
        },
        { size: 56, incrs: COUNT_STEPS, values: (_u, ticks) => ticks.map(formatValue) },
      ],
      series: [
        { label: "", value: (_u, i) => (i == null ? "–" : (labels[i] ?? "–")) },
        {
          label: seriesLabel,
          fill: color,
          stroke: color,
          // disp.fill unit 3: one discrete colour per bar.
          paths: uPlot.paths.bars?.({
            size: [0.7, 72],
            ...(barColors && { disp: { fill: { unit: 3, values: () => barColors }, stroke: { unit: 3, values: () => barColors } } }),
          }),
          points: { show: false },
          value: (_u, v) => (v == null ? "–" : formatValue(v)),
        },
      ],
    }),
    [labels, seriesLabel, color, barColors, formatValue, slanted],
  );
  const total = useMemo(() => values.reduce((sum, v) => sum + v, 0), [values]);
  return <UPlotFigure make={make} data={data} testid={testid} caption={caption} points={values.length} total={total} />;
}

export interface LineSeries {
  label: string;
  color: string;
  values: number[];
}

/** Values over time (x in ms since the epoch), the time axis in the reader's language. */
export function TimeLineChart({ times, series, testid, caption, formatTime, formatValue }: { times: number[]; series: LineSeries[]; testid: string; caption: string; formatTime: (ms: number) => string; formatValue: (v: number) => string }) {
  const data = useMemo<uPlot.AlignedData>(() => [times.map((ms) => ms / 1000), ...series.map((s) => s.values)], [times, series]);
  const make = useCallback(
    (width: number): uPlot.Options => ({
      width,
      height: HEIGHT,
      legend: { show: true, live: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.2)] } },
      axes: [
        // Whole seconds at least: readings come seconds apart, and the labels show seconds.
        { values: (_u, ticks) => ticks.map((s) => formatTime(s * 1000)), size: 36, space: 90, incrs: TIME_STEPS_S },
        { size: 56, incrs: COUNT_STEPS, values: (_u, ticks) => ticks.map(formatValue) },
      ],
      series: [
        { label: "", value: (_u, s) => (s == null ? "–" : formatTime(s * 1000)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: true, size: 5 },
          value: (_u: uPlot, v: number | null) => (v == null ? "–" : formatValue(v)),
        })),
      ],
    }),
    [series, formatTime, formatValue],
  );
  return <UPlotFigure make={make} data={data} testid={testid} caption={caption} points={times.length} />;
}
