// Membership rules: who belongs, role changes, removal and leaving, and the last-owner rule.
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db/client";
import { memberships, orgRoles, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { lockOwners } from "./organizations";

export async function listMembers(db: Db, orgId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email));
}

/**
 * The acting user's role read again inside the transaction, after the owner rows are locked: the role seen
 * when the request was authorized may have changed meanwhile (two owners demoting each other at once).
 */
async function lockedActorRole(tx: Tx, ctx: ActorContext, orgId: string, authorizedRole: OrgRole): Promise<OrgRole> {
  if (ctx.actor.kind !== "user") return authorizedRole;
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, ctx.actor.userId)));
  if (!row) throw new DomainError("FORBIDDEN", "You are no longer a member of this organization");
  return row.role;
}

export const updateMemberRoleInput = z.object({ orgId: z.uuid(), userId: z.uuid(), role: z.enum(orgRoles) });

/**
 * Changes a member's role. Only owners grant or take away the owner role, and the last owner
 * cannot be demoted (an organization must always have someone who can manage it).
 */
export async function updateMemberRole(db: Db, ctx: ActorContext, authorizedRole: OrgRole, input: z.infer<typeof updateMemberRoleInput>) {
  return db.transaction(async (tx) => {
    const owners = await lockOwners(tx, input.orgId);
    const actorRole = await lockedActorRole(tx, ctx, input.orgId, authorizedRole);
    const [member] = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.orgId, input.orgId), eq(memberships.userId, input.userId)))
      .for("update");
    if (!member) throw new DomainError("NOT_FOUND", "Member not found");
    if (member.role === input.role) return member;
    if ((member.role === "owner" || input.role === "owner") && actorRole !== "owner") {
      throw new DomainError("FORBIDDEN", "Only an owner can grant or remove the owner role");
    }
    if (member.role === "owner" && owners.length <= 1) {
      throw new DomainError("PRECONDITION_FAILED", "The last owner cannot be demoted; make someone else owner first");
    }
    const [updated] = await tx
      .update(memberships)
      .set({ role: input.role })
      .where(and(eq(memberships.orgId, input.orgId), eq(memberships.userId, input.userId)))
      .returning();
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "members.update_role", targetType: "user", targetId: input.userId, details: { from: member.role, to: input.role } });
    return updated!;
  });
}

async function deleteMembership(
  db: Db,
  ctx: ActorContext,
  orgId: string,
  userId: string,
  action: string,
  check: (role: OrgRole, ownerCount: number, tx: Tx) => void | Promise<void>,
) {
  await db.transaction(async (tx) => {
    const owners = await lockOwners(tx, orgId);
    const [member] = await tx.select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).for("update");
    if (!member) throw new DomainError("NOT_FOUND", "Member not found");
    await check(member.role, owners.length, tx);
    await tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    await recordAudit(tx, ctx, { orgId, action, targetType: "user", targetId: userId, details: { role: member.role } });
  });
}

export const removeMemberInput = z.object({ orgId: z.uuid(), userId: z.uuid() });

/** Removes a member; only owners remove owners, and never the last one. */
export async function removeMember(db: Db, ctx: ActorContext, authorizedRole: OrgRole, input: z.infer<typeof removeMemberInput>) {
  await deleteMembership(db, ctx, input.orgId, input.userId, "members.remove", async (role, ownerCount, tx) => {
    const actorRole = await lockedActorRole(tx, ctx, input.orgId, authorizedRole);
    if (role === "owner" && actorRole !== "owner") throw new DomainError("FORBIDDEN", "Only an owner can remove an owner");
    if (role === "owner" && ownerCount <= 1) throw new DomainError("PRECONDITION_FAILED", "The last owner cannot be removed");
  });
}

/** The acting user leaves the organization, unless they are its last owner. */
export async function leaveOrganization(db: Db, ctx: ActorContext, orgId: string, userId: string) {
  await deleteMembership(db, ctx, orgId, userId, "members.leave", (role, ownerCount) => {
    if (role === "owner" && ownerCount <= 1) {
      throw new DomainError("PRECONDITION_FAILED", "You are the last owner: make someone else owner before leaving");
    }
  });
}
