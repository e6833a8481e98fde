import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  ActivityStatus,
  AdviceStatus,
  WatchActivityResponseSchema,
  type WatchActivityResponse,
} from "../gen/fitcoach/activity/v1/activity_service_pb.js";
import { followActivity, isFinalStatus, type WatchCall } from "./watch.js";

const update = (status: ActivityStatus, adviceStatus = AdviceStatus.UNSPECIFIED) =>
  create(WatchActivityResponseSchema, { activityId: "a", status, adviceStatus });

describe("followActivity", () => {
  it("reopens a stream that ends before a final state and stops at the final one", async () => {
    const streams: WatchActivityResponse[][] = [
      [update(ActivityStatus.UPLOADED)], // cut by the gateway's maximum stream duration
      [update(ActivityStatus.ANALYZING), update(ActivityStatus.ANALYZED, AdviceStatus.PENDING)],
      [update(ActivityStatus.ANALYZED, AdviceStatus.READY), update(ActivityStatus.FAILED)],
    ];
    let calls = 0;
    const watch: WatchCall = async function* () {
      const stream = streams[calls++];
      for (const item of stream) yield item;
    };
    const seen: ActivityStatus[] = [];
    await followActivity(watch, "a", (u) => seen.push(u.status), new AbortController().signal);
    expect(calls).toBe(3);
    expect(seen).toEqual([ActivityStatus.UPLOADED, ActivityStatus.ANALYZING, ActivityStatus.ANALYZED, ActivityStatus.ANALYZED]);
  });

  it("retries while the gateway is unavailable, and gives up on NOT_FOUND", async () => {
    let calls = 0;
    const flaky: WatchCall = async function* () {
      calls += 1;
      if (calls === 1) throw new ConnectError("down", Code.Unavailable);
      yield update(ActivityStatus.DUPLICATE);
    };
    await followActivity(flaky, "a", () => {}, new AbortController().signal);
    expect(calls).toBe(2);
    const gone: WatchCall = async function* () {
      yield* [];
      throw new ConnectError("activity not found", Code.NotFound);
    };
    await expect(followActivity(gone, "a", () => {}, new AbortController().signal)).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("stops when its signal is aborted (the view unmounted)", async () => {
    const controller = new AbortController();
    const endless: WatchCall = async function* () {
      yield update(ActivityStatus.ANALYZING);
    };
    const following = followActivity(endless, "a", () => controller.abort(), controller.signal);
    await expect(following).resolves.toBeUndefined();
  });

  it("knows the final states", () => {
    expect(isFinalStatus(update(ActivityStatus.ANALYZED, AdviceStatus.PENDING))).toBe(false);
    expect(isFinalStatus(update(ActivityStatus.ANALYZED, AdviceStatus.FAILED))).toBe(true);
    expect(isFinalStatus(update(ActivityStatus.FAILED))).toBe(true);
  });
});
