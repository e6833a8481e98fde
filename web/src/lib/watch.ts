// Following an activity's status live: WatchActivity (a server stream over gRPC-web) consumed with
// `for await`, cancelled by the caller's AbortSignal. The server ends the stream after a final state; a
// stream that ends earlier (the gateway's maximum stream duration, a restart, a network blip) is opened
// again, after a short pause that grows while the gateway stays unreachable.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ActivityStatus,
  AdviceStatus,
  type WatchActivityResponse,
} from "../gen/fitcoach/activity/v1/activity_service_pb.js";

/** One hour per stream at most; the gateway may cut earlier, and we simply reopen. */
const STREAM_TIMEOUT_MS = 60 * 60 * 1000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 10_000;

export function isFinalStatus(update: Pick<WatchActivityResponse, "status" | "adviceStatus">): boolean {
  switch (update.status) {
    case ActivityStatus.FAILED:
    case ActivityStatus.DUPLICATE:
      return true;
    case ActivityStatus.ANALYZED:
      return update.adviceStatus === AdviceStatus.READY || update.adviceStatus === AdviceStatus.FAILED;
    default:
      return false;
  }
}

export type WatchCall = (
  request: { activityId: string },
  options: { signal: AbortSignal; timeoutMs: number },
) => AsyncIterable<WatchActivityResponse>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

const RETRYABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Internal, Code.Aborted]);

/** Calls `onUpdate` for every status until a final one; throws NOT_FOUND/UNAUTHENTICATED and the like. */
export async function followActivity(
  watch: WatchCall,
  activityId: string,
  onUpdate: (update: WatchActivityResponse) => void,
  signal: AbortSignal,
): Promise<void> {
  let failures = 0;
  for (;;) {
    try {
      for await (const update of watch({ activityId }, { signal, timeoutMs: STREAM_TIMEOUT_MS })) {
        failures = 0;
        onUpdate(update);
        if (isFinalStatus(update)) return;
      }
      // Ended without a final state: open it again.
    } catch (error) {
      if (signal.aborted) throw error;
      const err = ConnectError.from(error);
      if (!RETRYABLE.has(err.code) && err.code !== Code.Canceled) throw err;
      failures += 1;
    }
    if (signal.aborted) return;
    await sleep(Math.min(RETRY_MAX_MS, failures === 0 ? 100 : RETRY_BASE_MS * 2 ** (failures - 1)), signal);
  }
}
