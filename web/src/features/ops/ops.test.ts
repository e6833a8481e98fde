import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  DelayBucketSchema,
  MigrationProgressSchema,
  ReplayPhase,
  ReplayProgressSchema,
  ReplayResponseSchema,
  type ReplayProgress,
  type ReplayResponse,
} from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { Formatter } from "../../lib/format.js";
import { delayBucketLabels, formatBytes, formatCount, formatDollars, formatSeconds } from "./format.js";
import { addQueueSample, visibleBuckets } from "./figures.js";
import { followProgress, migrationFraction, replayFraction } from "./progress.js";
import { EMPTY_MIGRATION_FORM, EMPTY_REPLAY_FORM, migrationRequest, parseIdList, replayRequest } from "./requests.js";

const en = new Formatter("en-GB", "metric");
const ko = new Formatter("ko-KR", "metric");

// ICU versions differ on short plurals ("2.5 min" or "2.5 mins"): compare without them.
const singular = (text: string) => text.replace(/\b(sec|min|hr)s\b/g, "$1");

describe("formatSeconds", () => {
  it("uses the unit that reads best, from milliseconds to hours", () => {
    const seconds = (value: number) => singular(formatSeconds(en, value));
    expect(seconds(0.0423)).toBe("42 ms");
    expect(seconds(1.25)).toBe("1.3 sec");
    expect(seconds(42.4)).toBe("42 sec");
    expect(seconds(150)).toBe("2.5 min");
    expect(seconds(900)).toBe("15 min");
    expect(seconds(5400 * 2)).toBe("3 hr");
    expect(seconds(Number.NaN)).toBe("–");
    expect(seconds(-1)).toBe("–");
    expect(formatSeconds(ko, 42.4)).toBe("42초");
  });

  it("labels histogram buckets as ranges, the last one open", () => {
    const labels = delayBucketLabels(en, [0.05, 1, 2.5, 60, 3600, Number.POSITIVE_INFINITY]).map(singular);
    expect(labels).toEqual(["< 50 ms", "50 ms–1 sec", "1 sec–2.5 sec", "2.5 sec–1 min", "1 min–1 hr", "≥ 1 hr"]);
  });
});

describe("formatBytes, formatDollars, formatCount", () => {
  it("writes bytes in binary steps, bigint or number", () => {
    expect(formatBytes(en, 512)).toBe("512 byte");
    expect(formatBytes(en, 1536n)).toBe("1.5 kB");
    expect(formatBytes(en, 46 * 1024 * 1024)).toBe("46.0 MB");
    expect(formatBytes(en, 3 * 1024 ** 3)).toBe("3.0 GB");
    expect(formatBytes(en, undefined)).toBe("–");
  });

  it("keeps cents apart from nothing", () => {
    expect(formatDollars(en, 0.75)).toBe("US$0.75");
    expect(formatDollars(en, 0.921)).toBe("US$0.921");
    expect(formatDollars(en, 0.000027)).toBe("US$0.000027");
    expect(formatDollars(en, 0)).toBe("US$0.00");
    expect(formatDollars(en, 1234.5)).toBe("US$1,234.50");
    expect(formatDollars(new Formatter("en-US", "metric"), 0.92)).toBe("$0.92");
  });

  it("groups int64 counts", () => {
    expect(formatCount(en, 12345n)).toBe("12,345");
    expect(formatCount(en, 7)).toBe("7");
  });
});

const report = (fields: MessageInitShape<typeof ReplayProgressSchema>): ReplayProgress => create(ReplayProgressSchema, fields);

describe("followProgress", () => {
  async function* stream(...reports: ReplayProgress[]): AsyncIterable<ReplayResponse> {
    for (const progress of reports) yield create(ReplayResponseSchema, { progress });
  }

  it("passes every report on and finishes at the final one", async () => {
    const seen: bigint[] = [];
    const end = await followProgress(
      stream(report({ scanned: 10n }), report({ scanned: 20n, done: 3n }), report({ scanned: 20n, done: 5n, final: true })),
      (p) => seen.push(p.scanned + p.done),
    );
    expect(end).toBe("finished");
    expect(seen).toEqual([10n, 23n, 25n]);
  });

  it("says when the stream ended before its final report (cut, or stopped)", async () => {
    expect(await followProgress(stream(report({ scanned: 1n })), () => {})).toBe("interrupted");
  });

  it("throws the call's error", async () => {
    async function* refused(): AsyncIterable<ReplayResponse> {
      yield* [];
      throw new Error("permission denied");
    }
    await expect(followProgress(refused(), () => {})).rejects.toThrow("permission denied");
  });
});

describe("fractions", () => {
  it("knows a replay's share only once it runs, and counts every outcome as handled", () => {
    expect(replayFraction(report({ phase: ReplayPhase.SCANNING, scanned: 50n, matched: 10n }))).toBeUndefined();
    expect(replayFraction(report({ phase: ReplayPhase.RUNNING, matched: 0n }))).toBeUndefined();
    expect(replayFraction(report({ phase: ReplayPhase.RUNNING, matched: 10n, done: 2n, skipped: 1n, failed: 1n }))).toBe(0.4);
    expect(replayFraction(report({ phase: ReplayPhase.RUNNING, matched: 2n, done: 3n }))).toBe(1);
    expect(replayFraction(report({ phase: ReplayPhase.DONE, matched: 0n, final: true }))).toBe(1);
  });

  it("measures a migration against its rows and files", () => {
    expect(migrationFraction(create(MigrationProgressSchema, { total: 0n }))).toBeUndefined();
    expect(migrationFraction(create(MigrationProgressSchema, { total: 330n, done: 33n }))).toBeCloseTo(0.1);
    expect(migrationFraction(create(MigrationProgressSchema, { total: 0n, final: true }))).toBe(1);
  });
});

describe("visibleBuckets", () => {
  const buckets = (...counts: number[]) => counts.map((count, i) => create(DelayBucketSchema, { leS: i + 1, count: BigInt(count) }));

  it("keeps the stretch with data and one empty bucket on each side", () => {
    expect(visibleBuckets(buckets(0, 0, 3, 0, 1, 0, 0, 0)).map((b) => b.leS)).toEqual([2, 3, 4, 5, 6]);
    expect(visibleBuckets(buckets(5, 0, 0)).map((b) => b.leS)).toEqual([1, 2]);
    expect(visibleBuckets(buckets(0, 0, 7)).map((b) => b.leS)).toEqual([2, 3]);
    expect(visibleBuckets(buckets(0, 0))).toHaveLength(2); // nothing measured: the empty scale
  });
});

describe("addQueueSample", () => {
  it("keeps one reading per server time, in order, the newest ones", () => {
    let history = addQueueSample([], { at: 2000, pending: 1, ackPending: 0 });
    history = addQueueSample(history, { at: 1000, pending: 5, ackPending: 1 });
    const same = addQueueSample(history, { at: 2000, pending: 9, ackPending: 9 });
    expect(same).toBe(history); // a refetch of the same figures changes nothing
    expect(history.map((s) => s.at)).toEqual([1000, 2000]);
    for (let at = 3000; at < 10_000; at += 1000) history = addQueueSample(history, { at, pending: 0, ackPending: 0 }, 4);
    expect(history.map((s) => s.at)).toEqual([6000, 7000, 8000, 9000]);
  });
});

describe("replayRequest", () => {
  it("sends sequences before times, ids as lists, and the dry run", () => {
    const { request } = replayRequest(
      { ...EMPTY_REPLAY_FORM, fromSequence: " 12 ", fromTime: "2025-01-02T03:04", toTime: "2025-01-03T00:00", userIds: "a, b\nb c", failedOnly: true },
      true,
    );
    expect(request?.startSequence).toBe(12n);
    expect(request?.startTime).toBeUndefined(); // the sequence wins: the time is not sent
    expect(request?.endSequence).toBe(0n);
    expect(timestampDate(request!.endTime!).getTime()).toBe(new Date("2025-01-03T00:00").getTime());
    expect(request?.userIds).toEqual(["a", "b", "c"]);
    expect([request?.failedOnly, request?.force, request?.dryRun]).toEqual([true, false, true]);
  });

  it("everything by default: the whole stream, nothing changed but what the filters say", () => {
    const { request } = replayRequest(EMPTY_REPLAY_FORM, false);
    expect([request?.startSequence, request?.endSequence, request?.startTime, request?.dryRun]).toEqual([0n, 0n, undefined, false]);
  });

  it("points at the field that is wrong", () => {
    expect(replayRequest({ ...EMPTY_REPLAY_FORM, fromSequence: "-3" }, true).problem).toEqual({ field: "fromSequence", problem: "notASequence" });
    expect(replayRequest({ ...EMPTY_REPLAY_FORM, toTime: "yesterday" }, true).problem).toEqual({ field: "toTime", problem: "notATime" });
    expect(replayRequest({ ...EMPTY_REPLAY_FORM, fromSequence: "9", toSequence: "3" }, true).problem).toEqual({ field: "toSequence", problem: "endBeforeStart" });
  });

  it("splits id lists on commas, semicolons and white space", () => {
    expect(parseIdList(" x,y;;z\n\tx ")).toEqual(["x", "y", "z"]);
    expect(parseIdList("   ")).toEqual([]);
  });
});

describe("migrationRequest", () => {
  it("needs a source, and an owner for a folder", () => {
    expect(migrationRequest(EMPTY_MIGRATION_FORM, true).problem).toEqual({ field: "legacyDsn", problem: "noSource" });
    expect(migrationRequest({ ...EMPTY_MIGRATION_FORM, fromDir: "/srv/fit" }, true).problem).toEqual({ field: "fromDirUserId", problem: "folderNeedsOwner" });
  });

  it("names a table only with a database, and keeps the original design's defaults otherwise", () => {
    const folder = migrationRequest({ ...EMPTY_MIGRATION_FORM, fromDir: " /srv/fit ", fromDirUserId: "u1", table: "old" }, false).request;
    expect([folder?.fromDir, folder?.fromDirUserId, folder?.tables, folder?.dryRun]).toEqual(["/srv/fit", "u1", [], false]);
    const legacy = migrationRequest({ ...EMPTY_MIGRATION_FORM, legacyDsn: "postgresql://h/db", table: "rides", writeBack: true }, true).request;
    expect(legacy?.tables.map((t) => t.name)).toEqual(["rides"]);
    expect([legacy?.writeBack, legacy?.dryRun, legacy?.fromDirUserId]).toEqual([true, true, ""]);
  });
});
