// Operators' figures in the reader's language: delays from milliseconds to hours, bytes, dollars, counts
// (int64 fields arrive as bigint). Pure functions on the app's Formatter: unit-tested.
import { isNumber, type Formatter } from "../../lib/format.js";

/** A delay in the unit that reads best: ms under a second, then s, min, h; at most one decimal, none when
 * it is zero (the histogram's bounds read "1 sec", "2.5 sec", "15 min", "1 hr"). */
export function formatSeconds(fmt: Formatter, seconds: number | undefined): string {
  if (!isNumber(seconds) || seconds < 0) return "–";
  if (seconds < 1) return fmt.unit(seconds * 1000, "millisecond", 0);
  if (seconds < 60) return fmt.unit(seconds, "second", seconds < 10 ? 1 : 0, 0);
  if (seconds < 3600) return fmt.unit(seconds / 60, "minute", 1, 0);
  return fmt.unit(seconds / 3600, "hour", 1, 0);
}

const BYTE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

/** Bytes in binary steps (1 KB = 1,024 bytes, as the dashboard's average sizes are). */
export function formatBytes(fmt: Formatter, bytes: number | bigint | undefined): string {
  const value = typeof bytes === "bigint" ? Number(bytes) : bytes;
  if (!isNumber(value) || value < 0) return "–";
  let scaled = value;
  let step = 0;
  while (scaled >= 1024 && step < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    step += 1;
  }
  return fmt.unit(scaled, BYTE_UNITS[step], step === 0 ? 0 : 1);
}

/** US dollars (R2 bills in them): cents, and the digits that matter for the tiny sums a small deployment
 * runs up (six PUTs cost $0.000027, which is not $0.00). */
export function formatDollars(fmt: Formatter, dollars: number | undefined): string {
  if (!isNumber(dollars)) return "–";
  const size = Math.abs(dollars);
  const digits: Intl.NumberFormatOptions =
    size === 0 || size >= 1
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : size < 0.01
        ? { maximumSignificantDigits: 2 }
        : { minimumFractionDigits: 2, maximumFractionDigits: 4 };
  return new Intl.NumberFormat(fmt.locale, { style: "currency", currency: "USD", ...digits }).format(dollars);
}

/** A count (int64 fields are bigint), grouped the locale's way. */
export function formatCount(fmt: Formatter, count: number | bigint | undefined): string {
  return fmt.number(typeof count === "bigint" ? Number(count) : count);
}

/** Labels of a delay histogram's buckets: each counts [previous bound, bound); the last one is open. */
export function delayBucketLabels(fmt: Formatter, upperBounds: number[]): string[] {
  return upperBounds.map((bound, i) => {
    const lower = i === 0 ? undefined : upperBounds[i - 1];
    if (!Number.isFinite(bound)) return lower === undefined ? "–" : `≥ ${formatSeconds(fmt, lower)}`;
    if (lower === undefined) return `< ${formatSeconds(fmt, bound)}`;
    return `${formatSeconds(fmt, lower)}–${formatSeconds(fmt, bound)}`;
  });
}

/** A moment (when figures were taken, a dead letter written, a run started), in the reader's time zone. */
export function formatMoment(fmt: Formatter, date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return "–";
  return new Intl.DateTimeFormat(fmt.locale, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}
