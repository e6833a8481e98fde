// The ops feature's calls: unary reads through connect-query (cache, refetch), the long runs (replay,
// re-drive, migration) as server streams on a plain client. Both on the app's one transport, so the
// operator's token goes with every call and the server decides, call by call, who may.
import { createClient } from "@connectrpc/connect";
import { OpsService } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { transport } from "../../lib/transport.js";

export const opsClient = createClient(OpsService, transport);

/** The gateway caps an operator's stream at an hour (gateway.py: ops_stream_max_duration); running it again
 * resumes, as every run is idempotent. */
export const OPS_STREAM_TIMEOUT_MS = 3_600_000;

/** The dashboard refreshes this often while it is open. */
export const STATS_REFRESH_MS = 10_000;

export const DEFAULT_WINDOW_DAYS = 7;

/** GetPipelineStats' request for a window in days (the same days make the same cached query). */
export function statsRequest(days: number) {
  return { window: { seconds: BigInt(days * 86_400) } };
}
