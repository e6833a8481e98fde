// The catalogue of MetricSet fields the detail page shows: one line per field (its kind decides the
// formatting, its group the card it lands in). A field the catalogue does not know yet (new MetricSet
// fields) still shows, under "More", with its proto name: adding a line here gives it a label and units.
import type { MetricSet } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { MetricSetSchema } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { formatDuration, isNumber, type Formatter, type SportKind } from "../../lib/format.js";

export type MetricKind =
  | "distance" | "duration" | "speed" | "pace" | "hr" | "power" | "cadence" | "elevation" | "energy"
  | "temperature" | "percent" | "joules" | "decimal1" | "decimal2" | "integer";

export type MetricGroup = "headline" | "heart" | "power" | "load" | "more";

export interface MetricDef {
  field: keyof MetricSet & string;
  kind: MetricKind;
  group: MetricGroup;
}

export const METRICS: readonly MetricDef[] = [
  { field: "distanceM", kind: "distance", group: "headline" },
  { field: "movingTimeS", kind: "duration", group: "headline" },
  { field: "timerTimeS", kind: "duration", group: "headline" },
  { field: "elapsedTimeS", kind: "duration", group: "headline" },
  { field: "avgSpeedMps", kind: "pace", group: "headline" },
  { field: "maxSpeedMps", kind: "pace", group: "headline" },
  { field: "gapSpeedMps", kind: "pace", group: "headline" },
  { field: "ascentM", kind: "elevation", group: "headline" },
  { field: "descentM", kind: "elevation", group: "headline" },
  { field: "minAltitudeM", kind: "elevation", group: "more" },
  { field: "maxAltitudeM", kind: "elevation", group: "more" },
  { field: "caloriesKcal", kind: "energy", group: "headline" },
  { field: "avgTemperatureC", kind: "temperature", group: "more" },
  { field: "avgHrBpm", kind: "hr", group: "heart" },
  { field: "maxHrBpm", kind: "hr", group: "heart" },
  { field: "avgCadence", kind: "cadence", group: "heart" },
  { field: "maxCadence", kind: "cadence", group: "heart" },
  { field: "avgPowerW", kind: "power", group: "power" },
  { field: "maxPowerW", kind: "power", group: "power" },
  { field: "normalizedPowerW", kind: "power", group: "power" },
  { field: "variabilityIndex", kind: "decimal2", group: "power" },
  { field: "wBalMinJ", kind: "joules", group: "power" },
  { field: "trainingLoad", kind: "decimal1", group: "load" },
  { field: "tss", kind: "decimal1", group: "load" },
  { field: "hrTss", kind: "decimal1", group: "load" },
  { field: "trimp", kind: "decimal1", group: "load" },
  { field: "intensityFactor", kind: "decimal2", group: "load" },
  { field: "efficiencyFactor", kind: "decimal2", group: "load" },
  { field: "decouplingPct", kind: "percent", group: "load" },
  // The second definition of metrics that have two (the device's is above): under "More", each labelled.
  { field: "movingSpeedMps", kind: "pace", group: "more" },
  { field: "robustMaxSpeedMps", kind: "pace", group: "more" },
  { field: "avgPowerNonzeroW", kind: "power", group: "more" },
  { field: "avgCadenceNonzero", kind: "cadence", group: "more" },
  { field: "avgCadenceWithZeros", kind: "cadence", group: "more" },
  { field: "ascentFilteredM", kind: "elevation", group: "more" },
  { field: "descentFilteredM", kind: "elevation", group: "more" },
  { field: "maxDepthM", kind: "elevation", group: "headline" },
  { field: "avgDepthM", kind: "elevation", group: "more" },
  { field: "bottomTimeS", kind: "duration", group: "headline" },
  { field: "surfaceIntervalS", kind: "duration", group: "more" },
  { field: "diveCount", kind: "integer", group: "headline" },
];

const KNOWN = new Set(METRICS.map((m) => m.field));

/** Numeric MetricSet fields the catalogue does not list yet (shown generically). */
export function uncataloguedFields(): MetricDef[] {
  return MetricSetSchema.fields
    .filter((f) => f.fieldKind === "scalar" && !KNOWN.has(f.localName as MetricDef["field"]) && f.localName !== "trainingLoadMethod")
    .map((f) => ({ field: f.localName as MetricDef["field"], kind: "decimal2" as const, group: "more" as const }));
}

export function metricValue(set: MetricSet | undefined, field: MetricDef["field"]): number | undefined {
  const value = set?.[field];
  return typeof value === "number" && isNumber(value) ? value : undefined;
}

export function formatMetric(fmt: Formatter, kind: MetricKind, value: number | undefined, sport: SportKind): string {
  if (!isNumber(value)) return "–";
  switch (kind) {
    case "distance":
      return fmt.distance(value, sport);
    case "duration":
      return formatDuration(value);
    case "speed":
      return fmt.speed(value);
    case "pace":
      return fmt.pacing(value, sport);
    case "hr":
      return fmt.heartRate(value);
    case "power":
      return fmt.power(value);
    case "cadence":
      return `${fmt.number(value)} ${sport === "run" ? "spm" : "rpm"}`;
    case "elevation":
      return fmt.elevation(value);
    case "energy":
      return `${fmt.number(value)} kcal`;
    case "temperature":
      return fmt.temperature(value);
    case "percent":
      return fmt.percent(value);
    case "joules":
      return `${fmt.number(value / 1000, 1)} kJ`;
    case "decimal1":
      return fmt.number(value, 1);
    case "decimal2":
      return fmt.number(value, 2);
    case "integer":
      return fmt.number(value);
  }
}

/** The fields of a group that have something to say: a value that formats to a number (a dive's distance
 * of 0 m, or pace at a standstill, reads "–" and is left out rather than shown empty). */
export function shownMetrics(group: MetricGroup, computed: MetricSet | undefined, device: MetricSet | undefined, sport: SportKind, fmt: Formatter): MetricDef[] {
  return [...METRICS, ...uncataloguedFields()].filter((d) => {
    if (d.group !== group) return false;
    const value = metricValue(computed, d.field) ?? metricValue(device, d.field);
    return formatMetric(fmt, d.kind, value, sport) !== "–";
  });
}

/** The device's value is worth showing beside ours when they differ by more than rounding. */
export function differs(computed: number | undefined, device: number | undefined): boolean {
  if (!isNumber(computed) || !isNumber(device)) return false;
  const scale = Math.max(Math.abs(computed), Math.abs(device), 1e-9);
  return Math.abs(computed - device) / scale > 0.005;
}
