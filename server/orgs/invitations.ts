// Invitations: single-use links, sent by email, that expire after 7 days and add the invitee with a role.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { invitations, memberships, orgRoles, organizations, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext, UserActor } from "@/server/auth/actor";
import { generateSecret, hashSecret } from "@/server/apikeys/secrets";
import { getEnv } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export const createInvitationInput = z.object({
  orgId: z.uuid(),
  email: z.email("must be a valid email address").max(254).transform((e) => e.toLowerCase()),
  role: z.enum(orgRoles),
});

export function invitationLink(token: string): string {
  return `${getEnv().APP_URL.replace(/\/$/, "")}/invite/${token}`;
}

/**
 * Invites an email with a role; re-inviting the same email replaces the pending invitation.
 * Only owners invite owners. Returns the link too, so an admin can hand it over without email.
 */
export async function createInvitation(db: Db, ctx: ActorContext, actorRole: OrgRole, input: z.infer<typeof createInvitationInput>) {
  if (input.role === "owner" && actorRole !== "owner") throw new DomainError("FORBIDDEN", "Only an owner can invite an owner", { field: "role" });
  const token = generateSecret("inv");
  const { invitation, mailId } = await db.transaction(async (tx) => {
    const existing = await tx
      .select({ userId: users.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, input.orgId), sql`lower(${users.email}) = ${input.email}`));
    if (existing.length) throw new DomainError("CONFLICT", `${input.email} is already a member`, { field: "email" });
    await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.orgId, input.orgId), eq(invitations.email, input.email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    const [org] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, input.orgId));
    if (!org) throw new DomainError("NOT_FOUND", "Organization not found");
    const [invitation] = await tx
      .insert(invitations)
      .values({
        orgId: input.orgId,
        email: input.email,
        role: input.role,
        tokenHash: hashSecret(token),
        invitedBy: ctx.actor.kind === "user" ? ctx.actor.userId : null,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    if (!invitation) throw new Error("insert returned nothing");
    const inviter = ctx.actor.kind === "user" ? ctx.actor.name || ctx.actor.email : "An administrator";
    const mailId = await enqueueMail(tx, {
      to: input.email,
      subject: `${inviter} invited you to ${org.name} on Fleetplane`,
      text: `${inviter} invited you to join ${org.name} as ${input.role}.\n\nAccept the invitation: ${invitationLink(token)}\n\nThe link works once and expires in 7 days.`,
    });
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "invitations.create", targetType: "invitation", targetId: invitation.id, details: { email: input.email, role: input.role } });
    return { invitation, mailId };
  });
  await deliverMail(db, mailId);
  return { id: invitation.id, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, link: invitationLink(token) };
}

/** Pending (not accepted, not revoked, not expired) invitations of an organization. */
export async function listPendingInvitations(db: Db, orgId: string) {
  return db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt, invitedByEmail: users.email })
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(and(eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
    .orderBy(desc(invitations.createdAt));
}

export async function revokeInvitation(db: Db, ctx: ActorContext, orgId: string, invitationId: string) {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.id, invitationId), eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!row) throw new DomainError("NOT_FOUND", "Pending invitation not found");
    await recordAudit(tx, ctx, { orgId, action: "invitations.revoke", targetType: "invitation", targetId: row.id, details: { email: row.email } });
  });
}

type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

function statusOf(inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InvitationStatus {
  if (inv.acceptedAt) return "accepted";
  if (inv.revokedAt) return "revoked";
  if (inv.expiresAt.getTime() <= Date.now()) return "expired";
  return "pending";
}

async function findByToken(db: Db, token: string) {
  const [row] = await db
    .select({ inv: invitations, orgName: organizations.name, orgSlug: organizations.slug })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.orgId))
    .where(eq(invitations.tokenHash, hashSecret(token)));
  return row;
}

/** What an invitation link is for, so the accept page can explain it before sign-in. */
export async function previewInvitation(db: Db, token: string) {
  const row = await findByToken(db, token);
  if (!row) throw new DomainError("NOT_FOUND", "This invitation link is not valid");
  return { orgName: row.orgName, email: row.inv.email, role: row.inv.role, status: statusOf(row.inv), expiresAt: row.inv.expiresAt };
}

const unusable: Record<Exclude<InvitationStatus, "pending">, string> = {
  accepted: "This invitation has already been used",
  revoked: "This invitation was cancelled; ask for a new one",
  expired: "This invitation has expired; ask for a new one",
};

/** Accepts an invitation as the signed-in user whose email it was sent to; the token works once. */
export async function acceptInvitation(db: Db, ctx: ActorContext & { actor: UserActor }, token: string) {
  return db.transaction(async (tx) => {
    const [inv] = await tx.select().from(invitations).where(eq(invitations.tokenHash, hashSecret(token))).for("update");
    if (!inv) throw new DomainError("NOT_FOUND", "This invitation link is not valid");
    const status = statusOf(inv);
    if (status !== "pending") throw new DomainError("PRECONDITION_FAILED", unusable[status]);
    if (inv.email.toLowerCase() !== ctx.actor.email.toLowerCase()) {
      throw new DomainError("FORBIDDEN", `This invitation was sent to ${inv.email}; sign in with that address to accept it`);
    }
    await tx.insert(memberships).values({ orgId: inv.orgId, userId: ctx.actor.userId, role: inv.role }).onConflictDoNothing();
    await tx.update(invitations).set({ acceptedAt: new Date(), acceptedBy: ctx.actor.userId }).where(eq(invitations.id, inv.id));
    await recordAudit(tx, ctx, { orgId: inv.orgId, action: "invitations.accept", targetType: "invitation", targetId: inv.id, details: { email: inv.email, role: inv.role } });
    const [org] = await tx.select({ id: organizations.id, slug: organizations.slug, name: organizations.name }).from(organizations).where(eq(organizations.id, inv.orgId));
    return org!;
  });
}
