// Secrets `npm start` generates when unset (AUTH_SECRET, the emulator's webhook secret): generated once, kept in .data/auth-secret (mode 600) so sessions survive restarts.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Returns the persisted secret, creating it on first use. */
export function loadOrCreateAuthSecret(file: string): { secret: string; created: boolean } {
  let created = false;
  const secret = loadOrCreateSecret(file, () => {
    created = true;
    return randomBytes(48).toString("base64url");
  });
  return { secret, created };
}

/** A secret kept in `file` (mode 600), made by `make` the first time. */
export function loadOrCreateSecret(file: string, make: () => string): string {
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, "utf8").trim();
    if (secret.length >= 32) return secret;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const secret = make();
  fs.writeFileSync(file, secret + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return secret;
}
