// Organizations (the tenants): creation, lookup and renaming.
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, organizations } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext, UserActor } from "@/server/auth/actor";
import { DomainError, isUniqueViolation } from "@/server/errors/domain-error";
import { randomBytes } from "node:crypto";

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "must be at least 3 characters")
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "use lowercase letters, digits and single dashes");

export const createOrganizationInput = z.object({
  name: z.string().trim().min(2, "must be at least 2 characters").max(80),
  slug: slugSchema.optional(),
});

export function slugify(name: string): string {
  const s = name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30);
  return s.length >= 3 ? s : `org-${s || "new"}`.replace(/-+$/, "");
}

/** Creates an organization with the acting user as its owner. A taken explicit slug is a CONFLICT; a derived one gets a suffix. */
export async function createOrganization(db: Db, ctx: ActorContext & { actor: UserActor }, input: z.infer<typeof createOrganizationInput>) {
  const base = input.slug ?? slugify(input.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(2).toString("hex")}`;
    try {
      return await db.transaction(async (tx) => {
        const [org] = await tx.insert(organizations).values({ name: input.name, slug }).returning();
        if (!org) throw new Error("insert returned nothing");
        await tx.insert(memberships).values({ orgId: org.id, userId: ctx.actor.userId, role: "owner" });
        await recordAudit(tx, ctx, { orgId: org.id, action: "orgs.create", targetType: "organization", targetId: org.id, details: { name: org.name, slug } });
        return org;
      });
    } catch (err) {
      if (!isUniqueViolation(err, "organizations_slug_unique")) throw err;
      if (input.slug) throw new DomainError("CONFLICT", `The address "${slug}" is taken; choose another`, { field: "slug" });
    }
  }
  throw new DomainError("CONFLICT", "Could not find a free address for this name; choose one", { field: "slug" });
}

/** The organizations a user belongs to, with their role in each. */
export async function listMyOrganizations(db: DbOrTx, userId: string) {
  return db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organizations.name));
}

export async function getOrganization(db: DbOrTx, orgId: string) {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId));
  if (!org) throw new DomainError("NOT_FOUND", "Organization not found");
  return org;
}

export const renameOrganizationInput = z.object({ orgId: z.uuid(), name: z.string().trim().min(2, "must be at least 2 characters").max(80) });

export async function renameOrganization(db: Db, ctx: ActorContext, input: z.infer<typeof renameOrganizationInput>) {
  return db.transaction(async (tx) => {
    const [org] = await tx.update(organizations).set({ name: input.name }).where(eq(organizations.id, input.orgId)).returning();
    if (!org) throw new DomainError("NOT_FOUND", "Organization not found");
    await recordAudit(tx, ctx, { orgId: org.id, action: "orgs.rename", targetType: "organization", targetId: org.id, details: { name: input.name } });
    return org;
  });
}

/** Every organization with its member count (provider console). */
export async function listAllOrganizations(db: DbOrTx) {
  return db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      createdAt: organizations.createdAt,
      members: sql<number>`(select count(*)::int from ${memberships} where ${memberships.orgId} = ${organizations.id})`,
    })
    .from(organizations)
    .orderBy(asc(organizations.name));
}

/** Locks the organization's owner rows so concurrent demotions cannot remove the last owner. */
export async function lockOwners(tx: DbOrTx, orgId: string): Promise<string[]> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")))
    .for("update");
  return rows.map((r) => r.userId);
}
