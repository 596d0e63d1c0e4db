// The audit log: one row per mutation (actor, action, target, organization, IP, user agent), written in the
// transaction of the change; paged and filtered for org admins, across organizations for platform staff.
import { afterEach, describe, expect, it } from "vitest";
import { and, count, desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, invitations, memberships, organizations, outboxEmails, users } from "@/db/schema";
import { addMember, anonCaller, apiKeyCaller, expectTRPCError, signUp, signUpWithOrg, TEST_IP, TEST_USER_AGENT, tokenOf, uniqueEmail, userCaller } from "../../helpers/callers";

async function auditCount(): Promise<number> {
  const [row] = await getDb().select({ n: count() }).from(auditLog);
  return row!.n;
}

type Expected = { action: string; actorType?: string; actorId?: string | null; actorLabel?: string; orgId?: string | null; targetType: string; targetId?: string; ip: string; userAgent: string; requestId?: string };

/** Runs `fn` and asserts it wrote exactly one audit row, matching `expected`. */
async function expectOneAudit<T>(fn: () => Promise<T>, expected: (result: T) => Expected): Promise<T> {
  const before = await auditCount();
  const [last] = await getDb().select({ id: auditLog.id }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const result = await fn();
  expect(await auditCount()).toBe(before + 1);
  const rows = await getDb().select().from(auditLog).where(sql`${auditLog.id} > ${last?.id ?? 0}`);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject(expected(result));
  expect(rows[0]!.at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  return result;
}

describe("every mutation writes exactly one audit row", () => {
  it("covers sign-up, organizations, invitations, members and API keys, with actor, target, org, IP and user agent", async () => {
    const ownerReq = { ip: "198.51.100.1", userAgent: "owner-browser/1", requestId: "req-owner" };
    const inviteeReq = { ip: "198.51.100.2", userAgent: "invitee-browser/2" };
    const email = uniqueEmail("owner");
    const ownerId = (
      await expectOneAudit(
        async () => (await anonCaller(ownerReq)).auth.signUp({ email, name: "Owner", password: "owner-password-1" }),
        (u) => ({ action: "auth.sign_up", actorType: "user", actorId: u.id, actorLabel: email, orgId: null, targetType: "user", targetId: u.id, ...ownerReq }),
      )
    ).id;
    const owner = await userCaller(ownerId, ownerReq);
    const who = { actorType: "user", actorId: ownerId, actorLabel: email, ...ownerReq };

    const org = await expectOneAudit(
      () => owner.orgs.create({ name: "Audited Org" }),
      (o) => ({ action: "orgs.create", orgId: o.id, targetType: "organization", targetId: o.id, ...who }),
    );
    const orgId = org.id;
    await expectOneAudit(
      () => owner.orgs.rename({ orgId, name: "Audited Org 2" }),
      () => ({ action: "orgs.rename", orgId, targetType: "organization", targetId: orgId, ...who }),
    );

    const invitee = await signUp(uniqueEmail("invitee"), inviteeReq);
    const inv = await expectOneAudit(
      () => owner.invitations.create({ orgId, email: invitee.email, role: "member" }),
      (i) => ({ action: "invitations.create", orgId, targetType: "invitation", targetId: i.id, ...who }),
    );
    await expectOneAudit(
      () => invitee.caller.invitations.accept({ token: tokenOf(inv.link) }),
      () => ({ action: "invitations.accept", orgId, targetType: "invitation", targetId: inv.id, actorType: "user", actorId: invitee.userId, actorLabel: invitee.email, ...inviteeReq }),
    );
    const inv2 = await owner.invitations.create({ orgId, email: uniqueEmail(), role: "viewer" });
    await expectOneAudit(
      () => owner.invitations.revoke({ orgId, invitationId: inv2.id }),
      () => ({ action: "invitations.revoke", orgId, targetType: "invitation", targetId: inv2.id, ...who }),
    );
    await expectOneAudit(
      () => owner.members.updateRole({ orgId, userId: invitee.userId, role: "admin" }),
      () => ({ action: "members.update_role", orgId, targetType: "user", targetId: invitee.userId, ...who }),
    );
    const key = await expectOneAudit(
      () => owner.apiKeys.create({ orgId, name: "audit key", role: "admin" }),
      (k) => ({ action: "apikeys.create", orgId, targetType: "api_key", targetId: k.id, ...who }),
    );
    const botReq = { ip: "198.51.100.3", userAgent: "bot/3" };
    const bot = await apiKeyCaller(key.secret, botReq);
    await expectOneAudit(
      () => bot.members.updateRole({ orgId, userId: invitee.userId, role: "member" }),
      () => ({ action: "members.update_role", orgId, targetType: "user", targetId: invitee.userId, actorType: "api_key", actorId: key.id, actorLabel: "api key audit key", ...botReq }),
    );
    await expectOneAudit(
      () => owner.apiKeys.revoke({ orgId, keyId: key.id }),
      () => ({ action: "apikeys.revoke", orgId, targetType: "api_key", targetId: key.id, ...who }),
    );
    const leaver = await addMember(owner, orgId, "viewer");
    await expectOneAudit(
      () => leaver.caller.members.leave({ orgId }),
      () => ({ action: "members.leave", orgId, targetType: "user", targetId: leaver.userId, actorId: leaver.userId, ip: TEST_IP, userAgent: TEST_USER_AGENT }),
    );
    await expectOneAudit(
      () => owner.members.remove({ orgId, userId: invitee.userId }),
      () => ({ action: "members.remove", orgId, targetType: "user", targetId: invitee.userId, ...who }),
    );

    const [row] = await getDb().select().from(auditLog).where(eq(auditLog.action, "members.update_role")).limit(1);
    expect(row?.details).toEqual({ from: "member", to: "admin" });
  });

  it("a refused or failed mutation writes none", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const viewer = await addMember(owner.caller, orgId, "viewer");
    const before = await auditCount();
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: owner.userId, role: "admin" }), "PRECONDITION_FAILED");
    await expectTRPCError(owner.caller.members.leave({ orgId }), "PRECONDITION_FAILED");
    await expectTRPCError(viewer.caller.orgs.rename({ orgId, name: "Nope" }), "FORBIDDEN");
    await expectTRPCError(owner.caller.invitations.create({ orgId, email: viewer.email, role: "admin" }), "CONFLICT");
    await expectTRPCError((await anonCaller()).auth.signUp({ email: owner.email, name: "Again", password: "another-password-1" }), "CONFLICT");
    expect(await auditCount()).toBe(before);
  });
});

describe("the audit row is written in the same transaction as the change", () => {
  // A CHECK constraint in this file's own database makes the audit insert of one action fail.
  const added: string[] = [];
  async function rejectAuditAction(action: string) {
    const name = `reject_${action.replace(".", "_")}`;
    await getDb().execute(sql.raw(`alter table audit_log add constraint ${name} check (action <> '${action}') not valid`));
    added.push(name);
  }
  afterEach(async () => {
    for (const name of added.splice(0)) await getDb().execute(sql.raw(`alter table audit_log drop constraint ${name}`));
  });

  it("when the audit insert fails, the rename is rolled back", async () => {
    const { owner, orgId } = await signUpWithOrg("Stable Name");
    await rejectAuditAction("orgs.rename");
    await expectTRPCError(owner.caller.orgs.rename({ orgId, name: "Changed Name" }), "INTERNAL_SERVER_ERROR");
    const [row] = await getDb().select().from(organizations).where(eq(organizations.id, orgId));
    expect(row?.name).toBe("Stable Name");
  });

  it("when the audit insert fails, the role change is rolled back", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    await rejectAuditAction("members.update_role");
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: member.userId, role: "admin" }), "INTERNAL_SERVER_ERROR");
    const [row] = await getDb().select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, member.userId)));
    expect(row?.role).toBe("member");
  });

  it("when the audit insert fails, no invitation and no mail are left behind", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await rejectAuditAction("invitations.create");
    const email = uniqueEmail("ghost");
    await expectTRPCError(owner.caller.invitations.create({ orgId, email, role: "member" }), "INTERNAL_SERVER_ERROR");
    expect(await getDb().select().from(invitations).where(eq(invitations.email, email))).toEqual([]);
    expect(await getDb().select().from(outboxEmails).where(eq(outboxEmails.to, email))).toEqual([]);
  });

  it("when the audit insert fails, no account is created", async () => {
    await rejectAuditAction("auth.sign_up");
    const email = uniqueEmail("ghost");
    await expectTRPCError((await anonCaller()).auth.signUp({ email, name: "Ghost", password: "ghost-password-1" }), "INTERNAL_SERVER_ERROR");
    expect(await getDb().select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  // The other direction: the change itself fails at COMMIT (a deferred constraint trigger), after the audit row
  // was inserted. Only if both share one transaction does the audit row disappear with the change.
  const triggers: string[] = [];
  async function failAtCommit(table: string, when: string) {
    const name = `fail_at_commit_${table}`;
    await getDb().execute(
      sql.raw(`create or replace function ${name}() returns trigger language plpgsql as $$
        begin if ${when} then raise exception 'refused at commit'; end if; return new; end $$`),
    );
    await getDb().execute(sql.raw(`create constraint trigger ${name} after insert or update on ${table} deferrable initially deferred for each row execute function ${name}()`));
    triggers.push(`drop trigger ${name} on ${table}; drop function ${name}()`);
  }
  afterEach(async () => {
    for (const drop of triggers.splice(0)) await getDb().execute(sql.raw(drop));
  });

  async function auditRowsFor(action: string, targetId: string) {
    return getDb().select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)));
  }

  it("when the rename fails at commit, its audit row is rolled back too", async () => {
    const { owner, orgId } = await signUpWithOrg("Before Commit");
    await failAtCommit("organizations", "new.name = 'Poison'");
    await expectTRPCError(owner.caller.orgs.rename({ orgId, name: "Poison" }), "INTERNAL_SERVER_ERROR");
    const [row] = await getDb().select().from(organizations).where(eq(organizations.id, orgId));
    expect(row?.name).toBe("Before Commit");
    expect(await auditRowsFor("orgs.rename", orgId)).toEqual([]);
  });

  it("when the role change fails at commit, its audit row is rolled back too", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    await failAtCommit("memberships", "new.role = 'billing'");
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: member.userId, role: "billing" }), "INTERNAL_SERVER_ERROR");
    expect(await auditRowsFor("members.update_role", member.userId)).toEqual([]);
  });

  it("when the API key insert fails at commit, no audit row names it", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await failAtCommit("api_keys", "new.name = 'poison key'");
    const before = await auditCount();
    await expectTRPCError(owner.caller.apiKeys.create({ orgId, name: "poison key", role: "viewer" }), "INTERNAL_SERVER_ERROR");
    expect(await auditCount()).toBe(before);
    expect(await owner.caller.apiKeys.list({ orgId })).toEqual([]);
  });
});

describe("audit.list", () => {
  it("pages newest first with cursor / nextCursor, without gaps or repeats", async () => {
    const { owner, orgId } = await signUpWithOrg("Pager");
    for (let i = 0; i < 7; i++) await owner.caller.orgs.rename({ orgId, name: `Pager ${i}` });
    const all: number[] = [];
    let cursor: number | undefined;
    let pages = 0;
    do {
      const page = await owner.caller.audit.list({ orgId, limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      all.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);
    // orgs.create + 7 renames = 8 rows: pages of 3, 3, 2.
    expect(pages).toBe(3);
    expect(all).toHaveLength(8);
    expect(new Set(all).size).toBe(8);
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    const expected = await getDb().select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.orgId, orgId)).orderBy(desc(auditLog.id));
    expect(all).toEqual(expected.map((r) => r.id));
  });

  it("filters by action prefix, actor and target type, and shows only this organization", async () => {
    const { owner, orgId } = await signUpWithOrg("Filters");
    const other = await signUpWithOrg("Elsewhere");
    await other.owner.caller.orgs.rename({ orgId: other.orgId, name: "Elsewhere 2" });
    const admin = await addMember(owner.caller, orgId, "admin");
    const member = await addMember(admin.caller, orgId, "member");
    await admin.caller.members.updateRole({ orgId, userId: member.userId, role: "viewer" });
    await owner.caller.orgs.rename({ orgId, name: "Filters 2" });

    const everything = await owner.caller.audit.list({ orgId });
    expect(everything.items.every((i) => i.orgId === orgId)).toBe(true);
    expect(everything.items.map((i) => i.action).sort()).toEqual(
      ["orgs.create", "invitations.create", "invitations.accept", "invitations.create", "invitations.accept", "members.update_role", "orgs.rename"].sort(),
    );
    expect(everything.items[0]!.orgName).toBe("Filters 2");

    const orgsOnly = await owner.caller.audit.list({ orgId, action: "orgs" });
    expect(orgsOnly.items.map((i) => i.action).sort()).toEqual(["orgs.create", "orgs.rename"]);
    expect((await owner.caller.audit.list({ orgId, action: "orgs.rename" })).items.map((i) => i.action)).toEqual(["orgs.rename"]);
    // A prefix matches whole segments only.
    expect((await owner.caller.audit.list({ orgId, action: "org" })).items).toEqual([]);

    const byAdmin = await owner.caller.audit.list({ orgId, actor: admin.email.slice(0, 12).toUpperCase() });
    expect(byAdmin.items.map((i) => i.action).sort()).toEqual(["invitations.accept", "invitations.create", "members.update_role"]);
    expect(byAdmin.items.every((i) => i.actorLabel === admin.email)).toBe(true);

    const onUsers = await owner.caller.audit.list({ orgId, targetType: "user" });
    expect(onUsers.items.map((i) => i.action)).toEqual(["members.update_role"]);
    expect(onUsers.items[0]!.details).toEqual({ from: "member", to: "viewer" });
  });

  it("is for owners and admins of the organization only", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    const stranger = await signUp();
    await expectTRPCError(member.caller.audit.list({ orgId }), "FORBIDDEN");
    await expectTRPCError(stranger.caller.audit.list({ orgId }), "NOT_FOUND");
  });
});

describe("audit.listAll", () => {
  it("shows every organization's entries to a platform admin, optionally narrowed to one", async () => {
    const a = await signUpWithOrg("All A");
    const b = await signUpWithOrg("All B");
    const staff = await signUp();
    await getDb().update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, staff.userId));
    const admin = await userCaller(staff.userId);

    const page = await admin.audit.listAll({ limit: 200 });
    const orgIds = new Set(page.items.map((i) => i.orgId));
    expect(orgIds.has(a.orgId)).toBe(true);
    expect(orgIds.has(b.orgId)).toBe(true);
    expect(orgIds.has(null)).toBe(true); // sign-ups belong to no organization

    const onlyB = await admin.audit.listAll({ orgId: b.orgId });
    expect(onlyB.items.length).toBeGreaterThan(0);
    expect(onlyB.items.every((i) => i.orgId === b.orgId)).toBe(true);
  });

  it("is FORBIDDEN to a normal user, even an org owner", async () => {
    const { owner } = await signUpWithOrg();
    await expectTRPCError(owner.caller.audit.listAll({}), "FORBIDDEN");
  });
});
