// The process's encryption keyring: ENCRYPTION_KEYS when set, else one key derived from AUTH_SECRET.
import { hkdfSync } from "node:crypto";
import { getEnv } from "@/server/env";
import { parseKeyring, type Keyring } from "./secret-box";

let cached: Keyring | undefined;

export function getKeyring(): Keyring {
  if (!cached) {
    const env = getEnv();
    if (env.ENCRYPTION_KEYS) {
      cached = parseKeyring(env.ENCRYPTION_KEYS);
    } else {
      const key = Buffer.from(hkdfSync("sha256", env.AUTH_SECRET, "fleetplane", "secrets-at-rest", 32));
      cached = { current: "auth", keys: { auth: key } };
    }
  }
  return cached;
}
