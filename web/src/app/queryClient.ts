import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { errorKind } from "../lib/errors.js";
import { connectivity } from "./connectivity.js";

// Server state lives here (through connect-query). Only "the gateway is away" errors are retried: a
// NOT_FOUND or a refused token will not change by asking again.
export function createQueryClient(): QueryClient {
  const client = new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => connectivity.report(error),
      onSuccess: () => connectivity.report("ok"),
    }),
    mutationCache: new MutationCache({
      onError: (error) => connectivity.report(error),
      onSuccess: () => connectivity.report("ok"),
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) => errorKind(error) === "offline" && failures < 3,
        retryDelay: (attempt) => Math.min(8000, 500 * 2 ** attempt),
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
  // Say "can't reach FitCoach" at the first failed attempt, not after every retry gave up.
  client.getQueryCache().subscribe((event) => {
    if (event.type === "updated" && event.action.type === "failed") connectivity.report(event.action.error);
  });
  return client;
}
