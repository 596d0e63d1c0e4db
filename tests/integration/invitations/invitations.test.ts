// Invitations: mailed single-use links that expire, add the invitee with a role, and can be revoked or replaced.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, invitations, memberships, outboxEmails } from "@/db/schema";
import { addMember, anonCaller, expectTRPCError, signUp, signUpWithOrg, tokenOf, uniqueEmail } from "../../helpers/callers";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

async function membershipOf(orgId: string, userId: string) {
  const [row] = await getDb().select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return row;
}

describe("invitations.create", () => {
  it("stores only the token's hash, mails the link through the outbox, and lists the invitation as pending", async () => {
    const { owner, orgId } = await signUpWithOrg("Mail Co");
    const email = uniqueEmail("invitee");
    const inv = await owner.caller.invitations.create({ orgId, email: email.toUpperCase(), role: "member" });

    expect(inv.email).toBe(email);
    expect(inv.link).toMatch(/^http:\/\/localhost:3000\/invite\/inv_[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(inv.link);
    const expiresInDays = (inv.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(6.99);
    expect(expiresInDays).toBeLessThanOrEqual(7);

    const [row] = await getDb().select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row?.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const mails = await getDb().select().from(outboxEmails).where(eq(outboxEmails.to, email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(inv.link);
    expect(mails[0]!.subject).toContain("Mail Co");
    expect(mails[0]!.sent).toBe(true); // no SMTP_URL: delivered to the log

    const pending = await owner.caller.invitations.list({ orgId });
    expect(pending.map((p) => p.id)).toEqual([inv.id]);
    expect(pending[0]).toMatchObject({ email, role: "member", invitedByEmail: owner.email });

    expect(await (await anonCaller()).invitations.preview({ token })).toMatchObject({ orgName: "Mail Co", email, role: "member", status: "pending" });
  });

  it("refuses to invite an existing member (any case) with CONFLICT", async () => {
    const { owner, orgId } = await signUpWithOrg("Full House");
    const member = await addMember(owner.caller, orgId, "member");
    await expectTRPCError(owner.caller.invitations.create({ orgId, email: member.email.toUpperCase(), role: "admin" }), "CONFLICT", /already a member/);
    await expectTRPCError(owner.caller.invitations.create({ orgId, email: owner.email, role: "admin" }), "CONFLICT");
  });

  it("lets only owners invite owners", async () => {
    const { owner, orgId } = await signUpWithOrg("Owner Club");
    const admin = await addMember(owner.caller, orgId, "admin");
    await expectTRPCError(admin.caller.invitations.create({ orgId, email: uniqueEmail(), role: "owner" }), "FORBIDDEN", /Only an owner/);
    await expect(admin.caller.invitations.create({ orgId, email: uniqueEmail(), role: "admin" })).resolves.toMatchObject({ role: "admin" });
    await expect(owner.caller.invitations.create({ orgId, email: uniqueEmail(), role: "owner" })).resolves.toMatchObject({ role: "owner" });
  });

  it("is refused to plain members and viewers", async () => {
    const { owner, orgId } = await signUpWithOrg("Closed Shop");
    const member = await addMember(owner.caller, orgId, "member");
    const viewer = await addMember(owner.caller, orgId, "viewer");
    await expectTRPCError(member.caller.invitations.create({ orgId, email: uniqueEmail(), role: "viewer" }), "FORBIDDEN");
    await expectTRPCError(viewer.caller.invitations.create({ orgId, email: uniqueEmail(), role: "viewer" }), "FORBIDDEN");
  });

  it("re-inviting an email replaces its pending invitation", async () => {
    const { owner, orgId } = await signUpWithOrg("Second Chance");
    const invitee = await signUp();
    const first = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "viewer" });
    const second = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "admin" });

    const pending = await owner.caller.invitations.list({ orgId });
    expect(pending.map((p) => p.id)).toEqual([second.id]);
    await expectTRPCError(invitee.caller.invitations.accept({ token: tokenOf(first.link) }), "PRECONDITION_FAILED", /cancelled/);
    await invitee.caller.invitations.accept({ token: tokenOf(second.link) });
    expect((await membershipOf(orgId, invitee.userId))?.role).toBe("admin");
  });
});

describe("invitations.accept", () => {
  it("adds the invitee with the invited role and marks the invitation accepted", async () => {
    const { owner, orgId } = await signUpWithOrg("Join Us");
    const invitee = await signUp();
    const inv = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "billing" });
    const org = await invitee.caller.invitations.accept({ token: tokenOf(inv.link) });

    expect(org).toMatchObject({ id: orgId, name: "Join Us" });
    expect((await membershipOf(orgId, invitee.userId))?.role).toBe("billing");
    const [row] = await getDb().select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row?.acceptedAt).toBeInstanceOf(Date);
    expect(row?.acceptedBy).toBe(invitee.userId);
    expect(await owner.caller.invitations.list({ orgId })).toEqual([]);
    expect((await invitee.caller.auth.me()).organizations).toEqual([expect.objectContaining({ id: orgId, role: "billing" })]);
    const audit = await getDb().select().from(auditLog).where(and(eq(auditLog.action, "invitations.accept"), eq(auditLog.targetId, inv.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(invitee.userId);
  });

  it("works once: a reused token answers PRECONDITION_FAILED 'already been used'", async () => {
    const { owner, orgId } = await signUpWithOrg("Once Only");
    const second = await signUp();
    const { link } = await owner.caller.invitations.create({ orgId, email: second.email, role: "viewer" });
    await second.caller.invitations.accept({ token: tokenOf(link) });
    await expectTRPCError(second.caller.invitations.accept({ token: tokenOf(link) }), "PRECONDITION_FAILED", /already been used/);
    expect((await membershipOf(orgId, second.userId))?.role).toBe("viewer");
    expect((await (await anonCaller()).invitations.preview({ token: tokenOf(link) })).status).toBe("accepted");
  });

  it("refuses an expired invitation with PRECONDITION_FAILED and adds no one", async () => {
    const { owner, orgId } = await signUpWithOrg("Too Late");
    const invitee = await signUp();
    const inv = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "member" });
    await getDb().update(invitations).set({ expiresAt: sql`now() - interval '1 minute'` }).where(eq(invitations.id, inv.id));

    await expectTRPCError(invitee.caller.invitations.accept({ token: tokenOf(inv.link) }), "PRECONDITION_FAILED", /expired/);
    expect(await membershipOf(orgId, invitee.userId)).toBeUndefined();
    expect(await owner.caller.invitations.list({ orgId })).toEqual([]);
    expect((await (await anonCaller()).invitations.preview({ token: tokenOf(inv.link) })).status).toBe("expired");
  });

  it("refuses a revoked invitation with PRECONDITION_FAILED; revoking twice is NOT_FOUND", async () => {
    const { owner, orgId } = await signUpWithOrg("Changed Mind");
    const invitee = await signUp();
    const inv = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "member" });
    await owner.caller.invitations.revoke({ orgId, invitationId: inv.id });

    await expectTRPCError(invitee.caller.invitations.accept({ token: tokenOf(inv.link) }), "PRECONDITION_FAILED", /cancelled/);
    expect(await membershipOf(orgId, invitee.userId)).toBeUndefined();
    await expectTRPCError(owner.caller.invitations.revoke({ orgId, invitationId: inv.id }), "NOT_FOUND");
  });

  it("refuses a user signed in with another email (FORBIDDEN) and leaves the invitation usable", async () => {
    const { owner, orgId } = await signUpWithOrg("Right Person");
    const invitee = await signUp();
    const intruder = await signUp();
    const inv = await owner.caller.invitations.create({ orgId, email: invitee.email, role: "admin" });

    await expectTRPCError(intruder.caller.invitations.accept({ token: tokenOf(inv.link) }), "FORBIDDEN", new RegExp(invitee.email.replace(".", "\\.")));
    expect(await membershipOf(orgId, intruder.userId)).toBeUndefined();
    await invitee.caller.invitations.accept({ token: tokenOf(inv.link) });
    expect((await membershipOf(orgId, invitee.userId))?.role).toBe("admin");
  });

  it("needs a signed-in user, and a known token", async () => {
    const { owner, orgId } = await signUpWithOrg("Who Are You");
    const inv = await owner.caller.invitations.create({ orgId, email: uniqueEmail(), role: "member" });
    await expectTRPCError((await anonCaller()).invitations.accept({ token: tokenOf(inv.link) }), "UNAUTHORIZED");
    const someone = await signUp();
    await expectTRPCError(someone.caller.invitations.accept({ token: "inv_" + "x".repeat(43) }), "NOT_FOUND", /not valid/);
    await expectTRPCError((await anonCaller()).invitations.preview({ token: "inv_" + "y".repeat(43) }), "NOT_FOUND");
  });

  it("an invitation of one organization cannot be revoked through another", async () => {
    const a = await signUpWithOrg("Org A");
    const b = await signUpWithOrg("Org B");
    const inv = await a.owner.caller.invitations.create({ orgId: a.orgId, email: uniqueEmail(), role: "member" });
    await expectTRPCError(b.owner.caller.invitations.revoke({ orgId: b.orgId, invitationId: inv.id }), "NOT_FOUND");
    expect((await a.owner.caller.invitations.list({ orgId: a.orgId })).map((i) => i.id)).toEqual([inv.id]);
  });
});
