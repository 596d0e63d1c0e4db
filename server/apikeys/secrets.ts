// Random secrets (API keys, invitation tokens) and their at-rest hashes.
import { createHash, randomBytes } from "node:crypto";

/** 256 bits of randomness, URL-safe, with a readable type prefix. */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** sha256 is enough for 256-bit random secrets (no dictionary to attack) and keeps lookups indexable. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
