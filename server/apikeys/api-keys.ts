// Organization API keys: created with a role and optional expiry, secret shown once, only its hash stored.
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apiKeys, orgRoles, users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { generateSecret, hashSecret } from "./secrets";

export const createApiKeyInput = z.object({
  orgId: z.uuid(),
  name: z.string().trim().min(1, "is required").max(80),
  role: z.enum(orgRoles),
  /** Days until the key stops working; omitted means it never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** Creates a key; returns the secret, which is never retrievable again. */
export async function createApiKey(db: Db, ctx: ActorContext, input: z.infer<typeof createApiKeyInput>) {
  if (input.role === "owner") throw new DomainError("BAD_REQUEST", "An API key cannot have the owner role", { field: "role" });
  const secret = generateSecret("fp");
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        orgId: input.orgId,
        name: input.name,
        role: input.role,
        prefix: secret.slice(0, 10),
        secretHash: hashSecret(secret),
        createdBy: ctx.actor.kind === "user" ? ctx.actor.userId : null,
        expiresAt,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "apikeys.create", targetType: "api_key", targetId: row.id, details: { name: input.name, role: input.role } });
    return { id: row.id, name: row.name, role: row.role, prefix: row.prefix, expiresAt: row.expiresAt, secret };
  });
}

/** Keys of an organization, newest first, without secrets. */
export async function listApiKeys(db: Db, orgId: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      role: apiKeys.role,
      prefix: apiKeys.prefix,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      createdAt: apiKeys.createdAt,
      createdByEmail: users.email,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(eq(apiKeys.orgId, orgId))
    .orderBy(desc(apiKeys.createdAt));
}

/** Revokes a key of the organization at once. NOT_FOUND for keys of other organizations. */
export async function revokeApiKey(db: Db, ctx: ActorContext, orgId: string, keyId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, orgId))).for("update");
    if (!row) throw new DomainError("NOT_FOUND", "API key not found");
    if (row.revokedAt) throw new DomainError("PRECONDITION_FAILED", "This API key is already revoked");
    await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, keyId));
    await recordAudit(tx, ctx, { orgId, action: "apikeys.revoke", targetType: "api_key", targetId: keyId, details: { name: row.name } });
  });
}
