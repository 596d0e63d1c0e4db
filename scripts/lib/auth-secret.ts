// AUTH_SECRET for `npm start` when unset: generated once, kept in .data/auth-secret (mode 600) so sessions survive restarts.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Returns the persisted secret, creating it on first use. */
export function loadOrCreateAuthSecret(file: string): { secret: string; created: boolean } {
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, "utf8").trim();
    if (secret.length >= 32) return { secret, created: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const secret = randomBytes(48).toString("base64url");
  fs.writeFileSync(file, secret + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { secret, created: true };
}
