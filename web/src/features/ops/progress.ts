// The operators' long runs (a replay, a re-drive, a migration) are server streams of progress reports; the
// last has `final` set. Reading one, and how far along it is: pure logic, unit-tested.
import type { MigrationProgress, ReplayProgress } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { ReplayPhase } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";

/** How a run ended: finished (its final report came), or its stream ended before that (cut, stopped). */
export type RunEnd = "finished" | "interrupted";

/** Passes every progress report to `onProgress`; how the run ended. Errors of the call are thrown. */
export async function followProgress<P extends { final: boolean }>(
  stream: AsyncIterable<{ progress?: P }>,
  onProgress: (progress: P) => void,
): Promise<RunEnd> {
  for await (const message of stream) {
    if (!message.progress) continue;
    onProgress(message.progress);
    if (message.progress.final) return "finished";
  }
  return "interrupted";
}

function share(handled: bigint, total: bigint): number {
  return Math.min(1, Math.max(0, Number(handled) / Number(total)));
}

/** Share of a replay or re-drive's matched activities handled so far; undefined while the stream is still
 * being scanned (the number to handle is not known yet). */
export function replayFraction(p: ReplayProgress): number | undefined {
  if (p.final) return 1;
  if (p.phase !== ReplayPhase.RUNNING || p.matched === 0n) return undefined;
  return share(p.done + p.skipped + p.failed, p.matched);
}

/** Share of a migration's rows and files handled so far; undefined until they are counted. */
export function migrationFraction(p: MigrationProgress): number | undefined {
  if (p.final) return 1;
  if (p.total === 0n) return undefined;
  return share(p.done, p.total);
}
