import { createConnectQueryKey } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import i18n from "i18next";
import { createContext, useContext, useEffect, useRef, useSyncExternalStore, type ReactNode } from "react";
import { ActivityService } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { useConfig } from "../../lib/configContext.js";
import { browserOperations } from "./operations.js";
import { UploadQueue, type UploadItem } from "./uploadQueue.js";

const QueueContext = createContext<UploadQueue | null>(null);

/** One queue for the whole app: uploads keep going while the person moves between pages. */
export function UploadProvider({ children }: { children: ReactNode }) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const queueRef = useRef<UploadQueue | null>(null);
  queueRef.current ??= new UploadQueue(
    browserOperations((kind, detail) => `${i18n.t(`upload.errors.${kind}`)}${detail ? ` (${detail})` : ""}`),
    { maxBytes: config.maxUploadBytes },
  );
  const queue = queueRef.current;

  // Leaving mid-upload asks first (the browser shows its own wording; returnValue must be set).
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!queue.busy) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [queue]);

  // New and changed activities show in the list and the fitness trend without a reload.
  useEffect(() => {
    let previous = queue.snapshot();
    return queue.subscribe(() => {
      const next = queue.snapshot();
      const moved = next.some((item, i) => previous[i]?.phase !== item.phase && item.activityId);
      previous = next;
      if (moved) {
        void queryClient.invalidateQueries({
          queryKey: createConnectQueryKey({ schema: ActivityService, cardinality: undefined }),
        });
      }
    });
  }, [queue, queryClient]);

  return <QueueContext.Provider value={queue}>{children}</QueueContext.Provider>;
}

export function useUploadQueue(): { queue: UploadQueue; items: readonly UploadItem[] } {
  const queue = useContext(QueueContext);
  if (!queue) throw new Error("useUploadQueue outside UploadProvider");
  const items = useSyncExternalStore(queue.subscribe, queue.snapshot);
  return { queue, items };
}
