// The upload queue: what happens to each dropped file, independent of React and of the network (the
// operations are injected), so its ordering, limits and retries are unit-tested (uploadQueue.test.ts).
//
// Per file: checked locally (size, FIT header) before any byte is sent → sha256 → CreateUpload → PUT with
// progress → CompleteUpload → watched live until a final state. At most `concurrency` files transfer at
// once and at most `watchConcurrency` status streams are open (a browser allows ~6 HTTP/1.1 connections per
// origin; gRPC-web streams hold one each).

export type UploadPhase =
  | "waiting" // in the queue, not started
  | "hashing"
  | "creating"
  | "uploading"
  | "completing"
  | "queued" // uploaded, waiting for the analyzer
  | "analyzing"
  | "analyzed" // metrics stored; advice still being written (or it could not be)
  | "adviceReady"
  | "failed" // the analyzer could not read the file: `reason`
  | "duplicate" // already uploaded: `activityId` is the existing one
  | "rejected" // refused before sending anything: `rejection`
  | "error"; // a step failed (network, store, expired URL): retryable

export type Rejection = "tooLarge" | "notFit" | "empty";

export interface UploadItem {
  readonly key: string;
  readonly fileName: string;
  readonly size: number;
  readonly phase: UploadPhase;
  /** Bytes sent by the PUT so far. */
  readonly loaded: number;
  readonly activityId?: string;
  /** The analyzer's readable reason (failed) or the error message (error). */
  readonly reason?: string;
  readonly rejection?: Rejection;
  /** True once the advice status settled as failed (analyzed without advice). */
  readonly adviceFailed?: boolean;
}

export interface CreatedUpload {
  activityId: string;
  duplicate: boolean;
  url: string;
  headers: Record<string, string>;
}

export type WatchedStatus =
  | { phase: "queued" | "analyzing" | "analyzed" | "adviceReady" | "duplicate"; adviceFailed?: boolean }
  | { phase: "failed"; reason: string };

export interface UploadOperations {
  /** True when the file starts like a FIT file (header size byte and ".FIT" at offset 8). */
  looksLikeFit(file: File): Promise<boolean>;
  sha256(file: File): Promise<string>;
  create(file: File, sha256: string): Promise<CreatedUpload>;
  put(file: File, created: CreatedUpload, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<void>;
  complete(activityId: string): Promise<void>;
  /** Follows the status until a final state (resuming streams that end early); resolves then. */
  watch(activityId: string, onStatus: (status: WatchedStatus) => void, signal: AbortSignal): Promise<void>;
  /** A readable message for an error of any step. */
  describe(error: unknown): string;
}

export interface QueueOptions {
  maxBytes: number;
  concurrency?: number;
  watchConcurrency?: number;
}

const TRANSFER_PHASES: ReadonlySet<UploadPhase> = new Set(["hashing", "creating", "uploading", "completing"]);
const FINAL_PHASES: ReadonlySet<UploadPhase> = new Set(["adviceReady", "failed", "duplicate", "rejected", "error"]);

export function isFinal(item: UploadItem): boolean {
  return FINAL_PHASES.has(item.phase) || (item.phase === "analyzed" && item.adviceFailed === true);
}

export function isTransferring(item: UploadItem): boolean {
  return TRANSFER_PHASES.has(item.phase);
}

/** FIT files only (by name), not empty, not over the limit: decided before reading a byte. */
export function precheck(file: { name: string; size: number }, maxBytes: number): Rejection | undefined {
  if (!/\.fit$/i.test(file.name)) return "notFit";
  if (file.size === 0) return "empty";
  if (file.size > maxBytes) return "tooLarge";
  return undefined;
}

/** The FIT file header: byte 0 is its size (12 or 14), bytes 8–11 are ".FIT". */
export function hasFitHeader(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 12 &&
    (bytes[0] === 12 || bytes[0] === 14) &&
    bytes[8] === 0x2e && bytes[9] === 0x46 && bytes[10] === 0x49 && bytes[11] === 0x54
  );
}

interface Entry {
  item: UploadItem;
  file: File;
  controller: AbortController;
  /** Where a retry resumes: sending the file, or only following its status (it was uploaded). */
  stage: "transfer" | "watch";
}

export class UploadQueue {
  private entries: Entry[] = [];
  private listeners = new Set<() => void>();
  private snapshotCache: readonly UploadItem[] = [];
  private counter = 0;
  private watching = 0;
  private watchWaiting: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly watchConcurrency: number;
  private readonly ops: UploadOperations;
  private readonly maxBytes: number;

  constructor(ops: UploadOperations, options: QueueOptions) {
    this.ops = ops;
    this.maxBytes = options.maxBytes;
    this.concurrency = options.concurrency ?? 3;
    this.watchConcurrency = options.watchConcurrency ?? 2;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): readonly UploadItem[] => this.snapshotCache;

  /** Files still being sent: leaving the page now would lose them. */
  get busy(): boolean {
    return this.entries.some((e) => e.item.phase === "waiting" || isTransferring(e.item));
  }

  /** Bytes sent and bytes to send over every file that is (or was) uploaded in this session. */
  totals(): { loaded: number; total: number } {
    let loaded = 0;
    let total = 0;
    for (const { item } of this.entries) {
      if (item.phase === "rejected" || item.phase === "duplicate") continue;
      total += item.size;
      loaded += isTransferring(item) || item.phase === "waiting" || item.phase === "error" ? item.loaded : item.size;
    }
    return { loaded, total };
  }

  add(files: Iterable<File>): void {
    for (const file of files) {
      const rejection = precheck(file, this.maxBytes);
      const item: UploadItem = {
        key: `u${++this.counter}`,
        fileName: file.name,
        size: file.size,
        phase: rejection ? "rejected" : "waiting",
        loaded: 0,
        rejection,
      };
      this.entries.push({ item, file, controller: new AbortController(), stage: "transfer" });
    }
    this.changed();
    this.pump();
  }

  /** Starts a file whose step failed again from the beginning (CreateUpload resumes a pending upload). */
  retry(key: string): void {
    const entry = this.entries.find((e) => e.item.key === key);
    if (!entry || entry.item.phase !== "error") return;
    entry.controller = new AbortController();
    if (entry.stage === "watch" && entry.item.activityId) {
      this.update(entry, { phase: "queued", reason: undefined });
      void this.follow(entry, entry.item.activityId);
      return;
    }
    this.update(entry, { phase: "waiting", loaded: 0, reason: undefined });
    this.pump();
  }

  /** Forgets the finished rows. */
  clearFinished(): void {
    this.entries = this.entries.filter((e) => !isFinal(e.item));
    this.changed();
  }

  /** Stops everything (the app is closing): PUTs and status streams are aborted. */
  dispose(): void {
    for (const entry of this.entries) entry.controller.abort();
    this.listeners.clear();
  }

  private changed(): void {
    this.snapshotCache = this.entries.map((e) => e.item);
    for (const listener of this.listeners) listener();
  }

  private update(entry: Entry, patch: Partial<UploadItem>): void {
    entry.item = { ...entry.item, ...patch };
    this.changed();
  }

  private pump(): void {
    let active = this.entries.filter((e) => isTransferring(e.item)).length;
    for (const entry of this.entries) {
      if (active >= this.concurrency) break;
      if (entry.item.phase === "waiting") {
        active += 1;
        this.update(entry, { phase: "hashing" });
        void this.run(entry);
      }
    }
  }

  private async run(entry: Entry): Promise<void> {
    const { file, controller } = entry;
    let activityId: string | undefined;
    try {
      if (!(await this.ops.looksLikeFit(file))) {
        this.update(entry, { phase: "rejected", rejection: "notFit" });
        return;
      }
      const sha256 = await this.ops.sha256(file);
      this.update(entry, { phase: "creating" });
      const created = await this.ops.create(file, sha256);
      activityId = created.activityId;
      if (created.duplicate) {
        this.update(entry, { phase: "duplicate", activityId, loaded: 0 });
        return;
      }
      this.update(entry, { phase: "uploading", activityId });
      await this.ops.put(file, created, (loaded) => this.update(entry, { loaded }), controller.signal);
      this.update(entry, { phase: "completing", loaded: file.size });
      await this.ops.complete(created.activityId);
      entry.stage = "watch";
      this.update(entry, { phase: "queued" });
    } catch (error) {
      if (!controller.signal.aborted) this.update(entry, { phase: "error", reason: this.ops.describe(error) });
      return;
    } finally {
      this.pump();
    }
    await this.follow(entry, activityId);
  }

  private async follow(entry: Entry, activityId: string): Promise<void> {
    await this.watchSlot();
    try {
      await this.ops.watch(
        activityId,
        (status) => {
          if (status.phase === "failed") this.update(entry, { phase: "failed", reason: status.reason });
          else this.update(entry, { phase: status.phase, adviceFailed: status.adviceFailed });
        },
        entry.controller.signal,
      );
    } catch (error) {
      if (!entry.controller.signal.aborted) this.update(entry, { phase: "error", reason: this.ops.describe(error) });
    } finally {
      this.watching -= 1;
      this.watchWaiting.shift()?.();
    }
  }

  private watchSlot(): Promise<void> {
    if (this.watching < this.watchConcurrency) {
      this.watching += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.watchWaiting.push(() => {
        this.watching += 1;
        resolve();
      }),
    );
  }
}
