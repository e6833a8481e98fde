// Whether the gateway answers: set from every query and mutation outcome, shown as one banner.
import { errorKind } from "../lib/errors.js";

let offline = false;
const listeners = new Set<() => void>();

export const connectivity = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  offline: (): boolean => offline,
  report(outcome: "ok" | unknown): void {
    const next = outcome !== "ok" && errorKind(outcome) === "offline";
    if (next !== offline) {
      offline = next;
      listeners.forEach((l) => l());
    }
  },
};
