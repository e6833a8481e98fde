// The dashboard's figures shaped for its charts: the queue's history while the page is open, and the part of
// the delay histogram worth drawing. Pure logic, unit-tested.
import type { DelayBucket } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";

/** One reading of the analyzer's queue, taken with each dashboard refresh. */
export interface QueueSample {
  /** When the server took the figures, ms since the epoch. */
  at: number;
  pending: number;
  ackPending: number;
}

/** How many readings the queue chart keeps (20 minutes at one refresh every 10 s). */
export const QUEUE_HISTORY = 120;

/** The history with one more reading: in time order, one per server time (a refetch of the same figures
 * adds nothing), the newest `max` kept. */
export function addQueueSample(history: readonly QueueSample[], sample: QueueSample, max = QUEUE_HISTORY): QueueSample[] {
  if (history.some((s) => s.at === sample.at)) return history as QueueSample[];
  return [...history, sample].sort((a, b) => a.at - b.at).slice(-max);
}

/** The buckets from the first to the last that counts anything, with one empty neighbour on each side for
 * scale: thirteen bounds from 50 ms to an hour would otherwise draw mostly nothing. All of them when all
 * are empty. */
export function visibleBuckets(buckets: readonly DelayBucket[]): DelayBucket[] {
  const first = buckets.findIndex((b) => b.count > 0n);
  if (first < 0) return [...buckets];
  const last = buckets.findLastIndex((b) => b.count > 0n);
  return buckets.slice(Math.max(0, first - 1), Math.min(buckets.length, last + 2));
}
