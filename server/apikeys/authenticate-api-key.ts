// Turns a presented API key into an actor, or null when it is unknown, revoked or expired.
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiKeys } from "@/db/schema";
import type { ApiKeyActor } from "@/server/auth/actor";
import { hashSecret } from "./secrets";

/** last_used_at is written at most once a minute per key, so busy keys do not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export async function authenticateApiKey(db: Db, secret: string): Promise<ApiKeyActor | null> {
  if (!secret.startsWith("fp_") || secret.length > 100) return null;
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.secretHash, hashSecret(secret))).limit(1);
  const key = rows[0];
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, key.id));
  }
  return { kind: "api_key", keyId: key.id, name: key.name, orgId: key.orgId, role: key.role };
}
