import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { errorKind } from "../lib/errors.js";
import { connectivity } from "./connectivity.js";

// Server state lives here (through connect-query). Only "the gateway is away" errors are retried: a
// NOT_FOUND or a refused token will not change by asking again.
export function createQueryClient(): QueryClient {
  return new QueryClient({
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
        retry: (failures, error) => errorKind(error) === "offline" && failures < 4,
        retryDelay: (attempt) => Math.min(8000, 500 * 2 ** attempt),
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
