import { describe, expect, it } from "vitest";
import {
  hasFitHeader,
  precheck,
  UploadQueue,
  type CreatedUpload,
  type UploadOperations,
  type WatchedStatus,
} from "./uploadQueue.js";

const FIT_HEADER = new Uint8Array([14, 0x10, 0, 0, 0, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54, 0, 0]);

function fitFile(name: string, size = 100): File {
  const bytes = new Uint8Array(size);
  bytes.set(FIT_HEADER.slice(0, Math.min(14, size)));
  return new File([bytes], name);
}

/** Operations whose every step waits until the test lets it go, recording what happened. */
class FakeOps implements UploadOperations {
  log: string[] = [];
  releases = new Map<string, () => void>();
  failPut = new Set<string>();
  duplicates = new Set<string>();
  watchStatuses = new Map<string, WatchedStatus[]>();
  openWatches = 0;
  maxOpenWatches = 0;
  autoRelease = false;

  private step(key: string): Promise<void> {
    this.log.push(key);
    if (this.autoRelease) return Promise.resolve();
    return new Promise((resolve) => this.releases.set(key, resolve));
  }

  release(key: string): void {
    const release = this.releases.get(key);
    if (!release) throw new Error(`nothing waits for ${key}; waiting: ${[...this.releases.keys()]}`);
    this.releases.delete(key);
    release();
  }

  async looksLikeFit(file: File): Promise<boolean> {
    return hasFitHeader(new Uint8Array(await file.slice(0, 14).arrayBuffer()));
  }
  async sha256(file: File): Promise<string> {
    await this.step(`hash ${file.name}`);
    return `sha-${file.name}`;
  }
  async create(file: File): Promise<CreatedUpload> {
    await this.step(`create ${file.name}`);
    return { activityId: `id-${file.name}`, duplicate: this.duplicates.has(file.name), url: "u", headers: {} };
  }
  async put(file: File, _c: CreatedUpload, onProgress: (n: number) => void): Promise<void> {
    onProgress(file.size / 2);
    await this.step(`put ${file.name}`);
    if (this.failPut.has(file.name)) {
      this.failPut.delete(file.name);
      throw new Error("network");
    }
    onProgress(file.size);
  }
  async complete(activityId: string): Promise<void> {
    await this.step(`complete ${activityId}`);
  }
  async watch(activityId: string, onStatus: (s: WatchedStatus) => void): Promise<void> {
    this.openWatches += 1;
    this.maxOpenWatches = Math.max(this.maxOpenWatches, this.openWatches);
    try {
      await this.step(`watch ${activityId}`);
      for (const status of this.watchStatuses.get(activityId) ?? [{ phase: "adviceReady" as const }]) onStatus(status);
    } finally {
      this.openWatches -= 1;
    }
  }
  describe(error: unknown): string {
    return `failed: ${String(error)}`;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("precheck", () => {
  it("refuses non-FIT names, empty and too-large files before reading them", () => {
    expect(precheck({ name: "a.FIT", size: 10 }, 100)).toBeUndefined();
    expect(precheck({ name: "notes.txt", size: 10 }, 100)).toBe("notFit");
    expect(precheck({ name: "a.fit", size: 0 }, 100)).toBe("empty");
    expect(precheck({ name: "a.fit", size: 101 }, 100)).toBe("tooLarge");
  });

  it("recognises the FIT header", () => {
    expect(hasFitHeader(FIT_HEADER)).toBe(true);
    expect(hasFitHeader(new TextEncoder().encode("this is not a fit file"))).toBe(false);
    expect(hasFitHeader(FIT_HEADER.slice(0, 8))).toBe(false);
  });
});

describe("UploadQueue", () => {
  it("sends a few files at once, not all, and starts the next as one finishes", async () => {
    const ops = new FakeOps();
    const queue = new UploadQueue(ops, { maxBytes: 1000, concurrency: 2 });
    queue.add([fitFile("a.fit"), fitFile("b.fit"), fitFile("c.fit")]);
    await flush();
    expect(ops.log).toEqual(["hash a.fit", "hash b.fit"]);
    expect(queue.snapshot().map((i) => i.phase)).toEqual(["hashing", "hashing", "waiting"]);
    expect(queue.busy).toBe(true);
    ops.release("hash a.fit");
    await flush();
    ops.release("create a.fit");
    await flush();
    expect(queue.snapshot()[0]).toMatchObject({ phase: "uploading", loaded: 50, activityId: "id-a.fit" });
    expect(queue.totals()).toEqual({ loaded: 50, total: 300 });
    ops.release("put a.fit");
    await flush();
    ops.release("complete id-a.fit");
    await flush();
    // a.fit is uploaded (now only watched): c.fit takes its place.
    expect(ops.log).toContain("hash c.fit");
    expect(queue.snapshot()[0].phase).toBe("queued");
    ops.release("watch id-a.fit");
    await flush();
    expect(queue.snapshot()[0].phase).toBe("adviceReady");
  });

  it("rejects bad files without any network step and reports duplicates", async () => {
    const ops = new FakeOps();
    ops.autoRelease = true;
    ops.duplicates.add("again.fit");
    const queue = new UploadQueue(ops, { maxBytes: 1000 });
    queue.add([
      new File(["hello"], "notes.txt"),
      new File([new Uint8Array(2000)], "huge.fit"),
      new File(["not a fit file at all"], "fake.fit"),
      fitFile("again.fit"),
    ]);
    for (let i = 0; i < 5; i++) await flush();
    expect(queue.snapshot().map((i) => [i.fileName, i.phase, i.rejection])).toEqual([
      ["notes.txt", "rejected", "notFit"],
      ["huge.fit", "rejected", "tooLarge"],
      ["fake.fit", "rejected", "notFit"],
      ["again.fit", "duplicate", undefined],
    ]);
    expect(ops.log).toEqual(["hash again.fit", "create again.fit"]);
    expect(queue.snapshot()[3].activityId).toBe("id-again.fit");
  });

  it("retries a failed PUT from the start and shows the analyzer's failure reason", async () => {
    const ops = new FakeOps();
    ops.autoRelease = true;
    ops.failPut.add("a.fit");
    ops.watchStatuses.set("id-a.fit", [{ phase: "analyzing" }, { phase: "failed", reason: "not a valid FIT file" }]);
    const queue = new UploadQueue(ops, { maxBytes: 1000 });
    const seen: string[] = [];
    queue.subscribe(() => seen.push(queue.snapshot()[0]?.phase ?? "gone"));
    queue.add([fitFile("a.fit")]);
    for (let i = 0; i < 5; i++) await flush();
    expect(queue.snapshot()[0]).toMatchObject({ phase: "error", reason: "failed: Error: network" });
    expect(queue.busy).toBe(false);
    queue.retry(queue.snapshot()[0].key);
    for (let i = 0; i < 8; i++) await flush();
    expect(queue.snapshot()[0]).toMatchObject({ phase: "failed", reason: "not a valid FIT file" });
    expect(ops.log.filter((s) => s === "put a.fit")).toHaveLength(2);
    expect(seen).toContain("analyzing");
    queue.clearFinished();
    expect(queue.snapshot()).toEqual([]);
  });

  it("keeps at most two status streams open", async () => {
    const ops = new FakeOps();
    const queue = new UploadQueue(ops, { maxBytes: 1000, concurrency: 5, watchConcurrency: 2 });
    const names = ["a.fit", "b.fit", "c.fit", "d.fit"];
    queue.add(names.map((n) => fitFile(n)));
    for (const step of ["hash", "create", "put", "complete"]) {
      await flush();
      for (const n of names) ops.release(step === "complete" ? `complete id-${n}` : `${step} ${n}`);
    }
    for (let i = 0; i < 3; i++) await flush();
    expect(ops.openWatches).toBe(2);
    for (const n of names) {
      ops.release(`watch id-${n}`);
      for (let i = 0; i < 3; i++) await flush();
    }
    expect(ops.maxOpenWatches).toBe(2);
    expect(queue.snapshot().every((i) => i.phase === "adviceReady")).toBe(true);
  });
});
