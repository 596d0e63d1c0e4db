// Saving and loading simulated clusters to one JSON file (atomically: temp file, then rename).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { SavedCluster } from "./cluster";

export interface SavedState {
  version: 1;
  savedAt: string;
  clusters: Record<string, SavedCluster>;
}

export async function loadState(file: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const state = JSON.parse(text) as SavedState;
  if (state.version !== 1) throw new Error(`kubesim: unsupported state file version in ${file}`);
  return state;
}

export async function saveState(file: string, clusters: Record<string, SavedCluster>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const state: SavedState = { version: 1, savedAt: new Date().toISOString(), clusters };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, file);
}
