// Decides whether `npm start` must run `next build`: no build yet, or a source file newer than the last one.
import fs from "node:fs";
import path from "node:path";

const SOURCE_DIRS = ["app", "components", "lib", "server", "db", "public"];
const SOURCE_FILES = ["next.config.ts", "package.json", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file bumps its folder's mtime
  for (const entry of fs.readdirSync(p)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** Why a build is needed, or null when `.next/BUILD_ID` is newer than every source. */
export function buildReason(root: string): string | null {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return "no production build yet";
  const built = fs.statSync(buildId).mtimeMs;
  for (const rel of [...SOURCE_DIRS, ...SOURCE_FILES]) {
    if (newestMtime(path.join(root, rel)) > built) return `${rel} changed since the last build`;
  }
  return null;
}
