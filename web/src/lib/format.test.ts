import { describe, expect, it } from "vitest";
import { defaultUnits, formatDuration, Formatter, paceSeconds, speedSeries, sportKind } from "./format.js";

describe("sportKind", () => {
  it("reads runs and swims as pace, rides as speed", () => {
    expect(sportKind("running")).toBe("run");
    expect(sportKind("walking")).toBe("run");
    expect(sportKind("swimming")).toBe("swim");
    expect(sportKind("cycling")).toBe("ride");
    expect(sportKind("training")).toBe("other");
  });
});

describe("formatDuration", () => {
  it("writes h:mm:ss, or m:ss under an hour", () => {
    expect(formatDuration(2810)).toBe("46:50");
    expect(formatDuration(3723.4)).toBe("1:02:03");
    expect(formatDuration(59.6)).toBe("1:00");
    expect(formatDuration(undefined)).toBe("–");
    expect(formatDuration(Number.NaN)).toBe("–");
  });
});

describe("Formatter", () => {
  const metric = new Formatter("en-GB", "metric");
  const imperial = new Formatter("en-US", "imperial");
  const korean = new Formatter("ko-KR", "metric");

  it("formats distances in the athlete's units and the sport's", () => {
    expect(metric.distance(9012.3)).toBe("9.01 km");
    expect(metric.distance(850)).toBe("850 m");
    expect(imperial.distance(1609.344)).toBe("1.00 mi");
    expect(metric.distance(1500, "swim")).toBe("1,500 m");
    expect(imperial.distance(91.44, "swim")).toBe("100 yd");
    expect(metric.distance(0)).toBe("–"); // indoor: no distance recorded
  });

  it("formats pace per km / mile / 100 m and speed in km/h or mph", () => {
    expect(metric.pace(1000 / 312)).toBe("5:12 /km");
    expect(imperial.pace(1609.344 / 502)).toBe("8:22 /mi");
    expect(metric.pace(100 / 105, "swim")).toBe("1:45 /100m");
    expect(metric.speed(10)).toBe("36.0 km/h");
    expect(imperial.speed(10)).toBe("22.4 mph");
    expect(metric.pacing(10, "ride")).toBe("36.0 km/h");
    expect(metric.pace(0)).toBe("–"); // standing still has no pace
  });

  it("uses the locale's own number and date formats", () => {
    expect(korean.number(12345.678, 1)).toBe("12,345.7");
    expect(new Formatter("de-DE", "metric").number(1234.5, 1)).toBe("1.234,5");
    const start = new Date(Date.UTC(2015, 7, 15, 14, 45));
    // The activity's own wall-clock time: start + its local offset (+2 h here).
    expect(metric.dateTime(start, 7200)).toBe("15 Aug 2015, 16:45");
    expect(korean.dateTime(start, 7200)).toMatch(/^2015\. 8\. 15\. .*4:45$/); // Korean order (ICU data varies)
  });

  it("formats elevation, heart rate, power and temperature", () => {
    expect(metric.elevation(214.4)).toBe("214 m");
    expect(imperial.elevation(100)).toBe("328 ft");
    expect(metric.heartRate(153.6)).toBe("154 bpm");
    expect(metric.power(250.2)).toBe("250 W");
    expect(imperial.temperature(21)).toBe("70°F");
  });
});

describe("units", () => {
  it("defaults to miles only for locales that read miles", () => {
    expect(defaultUnits("en-US")).toBe("imperial");
    expect(defaultUnits("en-GB")).toBe("metric");
    expect(defaultUnits("ko-KR")).toBe("metric");
  });

  it("converts chart series and leaves gaps for pauses", () => {
    expect(paceSeconds(1000 / 300, "metric", "run")).toBeCloseTo(300);
    expect(speedSeries(1000 / 300, "metric", "run")).toBeCloseTo(5);
    expect(speedSeries(0.01, "metric", "run")).toBeNull();
    expect(speedSeries(Number.NaN, "metric", "ride")).toBeNull();
    expect(speedSeries(10, "imperial", "ride")).toBeCloseTo(22.369, 2);
  });
});
