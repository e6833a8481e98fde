import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MetricSetSchema } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import en from "../../i18n/en.json";
import ko from "../../i18n/ko.json";
import { Formatter } from "../../lib/format.js";
import { formatMetric, METRICS, metricValue, shownMetrics, uncataloguedFields } from "./metrics.js";

describe("the metric catalogue", () => {
  it("lists every numeric MetricSet field, each labelled in English and Korean", () => {
    expect(uncataloguedFields()).toEqual([]); // a new proto field needs its line in METRICS
    for (const { field } of METRICS) {
      expect(en.metrics, field).toHaveProperty(field);
      expect(ko.metrics, field).toHaveProperty(field);
    }
  });

  it("shows the second definitions (moving pace, non-zero averages, filtered climbing) under More", () => {
    const more = METRICS.filter((m) => m.group === "more").map((m) => m.field);
    expect(more).toEqual(
      expect.arrayContaining([
        "movingSpeedMps",
        "robustMaxSpeedMps",
        "avgPowerNonzeroW",
        "avgCadenceNonzero",
        "avgCadenceWithZeros",
        "ascentFilteredM",
        "descentFilteredM",
      ]),
    );
  });

  it("formats them in the sport's units and leaves missing ones out", () => {
    const fmt = new Formatter("en-GB", "metric");
    const set = create(MetricSetSchema, { movingSpeedMps: 1000 / 300, ascentFilteredM: 212.4, avgCadenceNonzero: 86.4 });
    expect(formatMetric(fmt, "pace", metricValue(set, "movingSpeedMps"), "run")).toBe("5:00 /km");
    expect(formatMetric(fmt, "pace", metricValue(set, "movingSpeedMps"), "ride")).toBe("12.0 km/h");
    expect(formatMetric(fmt, "elevation", metricValue(set, "ascentFilteredM"), "run")).toBe("212 m");
    expect(formatMetric(fmt, "cadence", metricValue(set, "avgCadenceNonzero"), "ride")).toBe("86 rpm");
    expect(metricValue(set, "avgPowerNonzeroW")).toBeUndefined(); // unset optional: not shown, not NaN
    expect(formatMetric(fmt, "power", metricValue(set, "avgPowerNonzeroW"), "ride")).toBe("–");
  });
});

describe("shownMetrics", () => {
  it("leaves out fields that have no value or read as nothing, keeping real zeros", () => {
    const fmt = new Formatter("en-GB", "metric");
    // A scuba dive: no distance, no speed, 0 m climbed, the depth figures.
    const computed = create(MetricSetSchema, { distanceM: 0, avgSpeedMps: 0, ascentM: 0, maxDepthM: 18.2, diveCount: 1 });
    const shown = shownMetrics("headline", computed, undefined, "other", fmt).map((m) => m.field);
    expect(shown).toEqual(["ascentM", "maxDepthM", "diveCount"]);
    expect(shownMetrics("more", computed, undefined, "other", fmt)).toEqual([]);
    const device = create(MetricSetSchema, { avgTemperatureC: 28 }); // the device's own value counts too
    expect(shownMetrics("more", computed, device, "other", fmt).map((m) => m.field)).toEqual(["avgTemperatureC"]);
  });
});
