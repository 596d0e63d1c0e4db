// Optional JSON state file: the store plus the clock offset, written on stop (atomically) and read at start.
import { readFile, rename, writeFile } from "node:fs/promises";
import { Store, type SnapshotV1 } from "./store";

interface StateFile {
  store: SnapshotV1;
  clockOffsetMs: number;
}

export async function loadState(path: string): Promise<{ store: Store; clockOffsetMs: number } | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const parsed = JSON.parse(text) as StateFile;
  return { store: Store.fromJSON(parsed.store), clockOffsetMs: parsed.clockOffsetMs ?? 0 };
}

export async function saveState(path: string, store: Store, clockOffsetMs: number): Promise<void> {
  const data: StateFile = { store: store.toJSON(), clockOffsetMs };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(data));
  await rename(tmp, path);
}
