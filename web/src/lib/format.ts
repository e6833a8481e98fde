// Numbers, dates and durations as the athlete reads them: Intl for the locale (ko, en), their unit system,
// and the sport's convention (pace for runs and swims, speed for rides). Pure functions: unit-tested.

export type UnitSystem = "metric" | "imperial";
export type SportKind = "run" | "ride" | "swim" | "other";

const METRES_PER_MILE = 1609.344;
const METRES_PER_YARD = 0.9144;
const FEET_PER_METRE = 3.280839895;

const PACE_SPORTS = new Set(["running", "walking", "hiking", "trail_running", "transition"]);
const SPEED_SPORTS = new Set(["cycling", "e_biking", "mountain_biking", "rowing", "inline_skating", "cross_country_skiing", "alpine_skiing", "paddling", "kayaking"]);

/** How a sport's speed is read: pace (run, swim) or speed (ride); FIT sport names. */
export function sportKind(sport: string): SportKind {
  const name = sport.toLowerCase();
  if (name === "swimming" || name === "open_water" || name === "lap_swimming") return "swim";
  if (PACE_SPORTS.has(name)) return "run";
  if (SPEED_SPORTS.has(name)) return "ride";
  return "other";
}

/** The unit system a locale expects when the athlete has not chosen one (US English reads miles). */
export function defaultUnits(locale: string): UnitSystem {
  return /^en-(US|LR|MM)$/i.test(locale) ? "imperial" : "metric";
}

/** Whether a sport's speed reads as pace (runs, swims) rather than as speed (rides, the rest). */
export function readsPace(kind: SportKind): boolean {
  return kind === "run" || kind === "swim";
}

export function isNumber(value: number | undefined | null): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** "1:02:03" (or "42:07" under an hour); seconds rounded. */
export function formatDuration(seconds: number | undefined): string {
  if (!isNumber(seconds) || seconds < 0) return "–";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

export class Formatter {
  readonly locale: string;
  readonly units: UnitSystem;
  private readonly cache = new Map<string, Intl.NumberFormat>();

  constructor(locale: string, units: UnitSystem) {
    this.locale = locale;
    this.units = units;
  }

  private nf(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let format = this.cache.get(key);
    if (!format) {
      format = new Intl.NumberFormat(this.locale, options);
      this.cache.set(key, format);
    }
    return format;
  }

  number(value: number | undefined, digits = 0): string {
    if (!isNumber(value)) return "–";
    return this.nf(`n${digits}`, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
  }

  /** A value in one of Intl's units ("second", "megabyte" ...), in the reader's language; `minDigits` below
   * `digits` drops trailing zeros ("1 min", "2.5 min"). */
  unit(value: number, unit: string, digits: number, minDigits = digits): string {
    return this.nf(`u${unit}${digits}.${minDigits}`, {
      style: "unit",
      unit,
      unitDisplay: "short",
      maximumFractionDigits: digits,
      minimumFractionDigits: minDigits,
    }).format(value);
  }

  /** Distances: km/mi with two decimals; short ones (and swims) in m/yd. */
  distance(metres: number | undefined, kind: SportKind = "other"): string {
    if (!isNumber(metres) || metres <= 0) return "–"; // indoor files record no distance
    if (kind === "swim") {
      return this.units === "imperial"
        ? this.unit(metres / METRES_PER_YARD, "yard", 0)
        : this.unit(metres, "meter", 0);
    }
    if (this.units === "imperial") return this.unit(metres / METRES_PER_MILE, "mile", 2);
    return metres < 1000 ? this.unit(metres, "meter", 0) : this.unit(metres / 1000, "kilometer", 2);
  }

  /** Elevation, altitude: m or ft. */
  elevation(metres: number | undefined): string {
    if (!isNumber(metres)) return "–";
    return this.units === "imperial"
      ? this.unit(metres * FEET_PER_METRE, "foot", 0)
      : this.unit(metres, "meter", 0);
  }

  speed(mps: number | undefined): string {
    if (!isNumber(mps) || mps <= 0) return "–";
    return this.units === "imperial"
      ? this.unit((mps * 3600) / METRES_PER_MILE, "mile-per-hour", 1)
      : this.unit(mps * 3.6, "kilometer-per-hour", 1);
  }

  /** Pace in the sport's reference distance: /km or /mi, /100 m or /100 yd for swims. */
  pace(mps: number | undefined, kind: SportKind = "run"): string {
    const seconds = paceSeconds(mps, this.units, kind);
    if (seconds === undefined) return "–";
    return `${formatDuration(seconds)} ${paceUnit(this.units, kind)}`;
  }

  /** Pace for runs and swims, speed otherwise: the way each sport is read. */
  pacing(mps: number | undefined, kind: SportKind): string {
    return readsPace(kind) ? this.pace(mps, kind) : this.speed(mps);
  }

  heartRate(bpm: number | undefined): string {
    return isNumber(bpm) ? `${this.number(bpm)} bpm` : "–";
  }

  power(watts: number | undefined): string {
    return isNumber(watts) ? `${this.number(watts)} W` : "–";
  }

  percent(value: number | undefined, digits = 1): string {
    return isNumber(value) ? this.nf(`p${digits}`, { style: "percent", maximumFractionDigits: digits }).format(value / 100) : "–";
  }

  temperature(celsius: number | undefined): string {
    if (!isNumber(celsius)) return "–";
    return this.units === "imperial"
      ? this.unit((celsius * 9) / 5 + 32, "fahrenheit", 0)
      : this.unit(celsius, "celsius", 0);
  }

  /** The activity's own wall-clock time (start + its local offset), in the reader's language. */
  dateTime(date: Date | undefined, localOffsetS = 0, style: "short" | "long" = "short"): string {
    if (!date) return "–";
    const shifted = new Date(date.getTime() + localOffsetS * 1000);
    return new Intl.DateTimeFormat(this.locale, {
      dateStyle: style === "long" ? "full" : "medium",
      timeStyle: "short",
      timeZone: "UTC",
    }).format(shifted);
  }

  day(isoDate: string): string {
    const date = new Date(`${isoDate}T00:00:00Z`);
    return new Intl.DateTimeFormat(this.locale, { month: "short", day: "numeric", timeZone: "UTC" }).format(date);
  }
}

export function paceSeconds(mps: number | undefined, units: UnitSystem, kind: SportKind): number | undefined {
  if (!isNumber(mps) || mps <= 0.05) return undefined; // standing still has no pace
  if (kind === "swim") return (units === "imperial" ? 100 * METRES_PER_YARD : 100) / mps;
  return (units === "imperial" ? METRES_PER_MILE : 1000) / mps;
}

export function paceUnit(units: UnitSystem, kind: SportKind): string {
  if (kind === "swim") return units === "imperial" ? "/100yd" : "/100m";
  return units === "imperial" ? "/mi" : "/km";
}

/** Chart axis values of a speed series in the athlete's units: pace in minutes, or km/h / mph. */
export function speedSeries(mps: number, units: UnitSystem, kind: SportKind): number | null {
  if (!Number.isFinite(mps)) return null;
  if (readsPace(kind)) {
    const seconds = paceSeconds(mps, units, kind);
    // Paces slower than 20 min per unit are pauses: leave a gap rather than a spike.
    return seconds === undefined || seconds > 1200 ? null : seconds / 60;
  }
  return units === "imperial" ? (mps * 3600) / METRES_PER_MILE : mps * 3.6;
}

export function distanceSeries(metres: number, units: UnitSystem): number | null {
  if (!Number.isFinite(metres)) return null;
  return units === "imperial" ? metres / METRES_PER_MILE : metres / 1000;
}

export function elevationSeries(metres: number, units: UnitSystem): number | null {
  if (!Number.isFinite(metres)) return null;
  return units === "imperial" ? metres * FEET_PER_METRE : metres;
}
