// Files from a drop: plain files as they are; folders walked recursively, keeping their .fit files.

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(success: (file: File) => void, failure: (error: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: Entry[]) => void, failure: (error: unknown) => void): void };
}

async function walk(entry: Entry, out: File[], fromFolder: boolean): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
    if (!fromFolder || /\.fit$/i.test(file.name)) out.push(file);
    return;
  }
  if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries answers in batches (about 100 at a time) until an empty one.
    for (;;) {
      const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, out, true);
    }
  }
}

export async function filesFromDrop(transfer: DataTransfer): Promise<File[]> {
  const entries = Array.from(transfer.items ?? [])
    .map((item) => (item.kind === "file" ? (item.webkitGetAsEntry?.() as Entry | null) : null))
    .filter((e): e is Entry => e !== null);
  if (entries.length === 0) return Array.from(transfer.files);
  const out: File[] = [];
  for (const entry of entries) await walk(entry, out, false);
  return out;
}
