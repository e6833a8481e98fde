// The network side of an upload (see uploadQueue.ts for the flow): hashing in a worker, the upload RPCs,
// the PUT straight to object storage with progress (XMLHttpRequest: fetch has no upload progress), and
// the live status through WatchActivity.
import { ActivityStatus, AdviceStatus } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { activityClient, uploadClient } from "../../lib/clients.js";
import { errorKind, serverMessage } from "../../lib/errors.js";
import { followActivity } from "../../lib/watch.js";
import { hasFitHeader, type CreatedUpload, type UploadOperations, type WatchedStatus } from "./uploadQueue.js";

// Headers the browser sets itself and refuses to take from script.
const BROWSER_SET_HEADERS = new Set(["content-length", "host"]);

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }>();

function hashWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL("./sha256.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; hex?: string; error?: string }>) => {
      const waiter = pending.get(event.data.id);
      pending.delete(event.data.id);
      if (event.data.hex) waiter?.resolve(event.data.hex);
      else waiter?.reject(new Error(event.data.error ?? "hashing failed"));
    };
  }
  return worker;
}

export class PutError extends Error {}

function putWithProgress(file: File, created: CreatedUpload, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", created.url);
    for (const [name, value] of Object.entries(created.headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new PutError(`storage answered HTTP ${xhr.status}`));
    xhr.onerror = () => reject(new PutError("the upload was interrupted (network)"));
    xhr.ontimeout = () => reject(new PutError("the upload timed out"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

function watched(status: ActivityStatus, advice: AdviceStatus, reason: string): WatchedStatus | null {
  switch (status) {
    case ActivityStatus.UPLOADED:
      return { phase: "queued" };
    case ActivityStatus.ANALYZING:
      return { phase: "analyzing" };
    case ActivityStatus.ANALYZED:
      if (advice === AdviceStatus.READY) return { phase: "adviceReady" };
      return { phase: "analyzed", adviceFailed: advice === AdviceStatus.FAILED };
    case ActivityStatus.FAILED:
      return { phase: "failed", reason };
    case ActivityStatus.DUPLICATE:
      return { phase: "duplicate" };
    default:
      return null;
  }
}

export function browserOperations(describeKind: (kind: string, detail: string) => string): UploadOperations {
  return {
    async looksLikeFit(file) {
      return hasFitHeader(new Uint8Array(await file.slice(0, 14).arrayBuffer()));
    },
    sha256(file) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        hashWorker().postMessage({ id, file });
      });
    },
    async create(file, sha256) {
      const response = await uploadClient.createUpload({ fileName: file.name, sizeBytes: BigInt(file.size), sha256 });
      return {
        activityId: response.activityId,
        duplicate: response.duplicate,
        url: response.uploadUrl,
        headers: response.uploadHeaders,
      };
    },
    put: putWithProgress,
    async complete(activityId) {
      await uploadClient.completeUpload({ activityId });
    },
    watch(activityId, onStatus, signal) {
      return followActivity(
        (request, options) => activityClient.watchActivity(request, options),
        activityId,
        (update) => {
          const status = watched(update.status, update.adviceStatus, update.failureReason);
          if (status) onStatus(status);
        },
        signal,
      );
    },
    describe(error) {
      if (error instanceof PutError) return describeKind("put", error.message);
      return describeKind(errorKind(error), serverMessage(error));
    },
  };
}
