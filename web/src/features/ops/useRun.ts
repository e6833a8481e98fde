// One long run of the page (a replay, a re-drive, a migration): started by the operator, followed live,
// stopped by the operator or by leaving the page (closing the stream stops the work on the server). When it
// ends, every figure of the page is read again (the dashboard, dead letters and migration runs change).
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { OpsService } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { OPS_STREAM_TIMEOUT_MS } from "./api.js";
import { followProgress, type RunEnd } from "./progress.js";

export interface RunState<P> {
  running: boolean;
  /** The latest report (the final one once finished). */
  progress?: P;
  end?: RunEnd;
  error?: unknown;
}

export type StreamCall<Req, P> = (
  request: Req,
  options: { signal: AbortSignal; timeoutMs: number },
) => AsyncIterable<{ progress?: P }>;

export function useRun<Req, P extends { final: boolean }>(call: StreamCall<Req, P>, onSettled?: () => void) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<RunState<P>>({ running: false });
  const current = useRef<AbortController | null>(null);
  const settled = useRef(onSettled);
  settled.current = onSettled;

  useEffect(() => () => current.current?.abort(), []); // leaving the page stops the run

  // While a run is going, closing or reloading the tab asks first (it would stop the run).
  useEffect(() => {
    if (!state.running) return;
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [state.running]);

  const start = useCallback(
    (request: Req) => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      setState({ running: true });
      const mine = () => current.current === controller;
      followProgress(call(request, { signal: controller.signal, timeoutMs: OPS_STREAM_TIMEOUT_MS }), (progress) => {
        if (mine()) setState((s) => ({ ...s, progress }));
      })
        .then((end) => {
          if (mine()) setState((s) => ({ ...s, running: false, end }));
        })
        .catch((error: unknown) => {
          if (!mine()) return;
          setState((s) => ({ ...s, running: false, ...(controller.signal.aborted ? { end: "interrupted" as const } : { error }) }));
        })
        .finally(() => {
          settled.current?.();
          void queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema: OpsService, cardinality: undefined }) });
        });
    },
    [call, queryClient],
  );

  const stop = useCallback(() => current.current?.abort(), []);
  return { state, start, stop };
}
