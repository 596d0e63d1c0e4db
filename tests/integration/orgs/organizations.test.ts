// Organizations: creation (creator becomes owner, slug derived or chosen), listing in auth.me, renaming, and isolation between tenants.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, count, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, memberships, organizations } from "@/db/schema";
import { addMember, expectBadInput, joinOrg, expectTRPCError, signUp, signUpWithOrg } from "../../helpers/callers";

async function orgCount(): Promise<number> {
  const [row] = await getDb().select({ n: count() }).from(organizations);
  return row!.n;
}

describe("orgs.create", () => {
  it("creates the organization with the creator as owner and a slug derived from the name", async () => {
    const user = await signUp();
    const org = await user.caller.orgs.create({ name: `Acme Cloud, Inc. ${user.userId.slice(0, 4)}` });
    expect(org.slug).toBe(`acme-cloud-inc-${user.userId.slice(0, 4)}`);
    const rows = await getDb().select().from(memberships).where(eq(memberships.orgId, org.id));
    expect(rows).toEqual([expect.objectContaining({ userId: user.userId, role: "owner" })]);
    const audit = await getDb().select().from(auditLog).where(and(eq(auditLog.orgId, org.id), eq(auditLog.action, "orgs.create")));
    expect(audit).toHaveLength(1);
  });

  it("gives a second organization of the same name a free derived slug instead of failing", async () => {
    const user = await signUp();
    const name = `Twin ${randomUUID().slice(0, 6)}`;
    const first = await user.caller.orgs.create({ name });
    const second = await user.caller.orgs.create({ name });
    expect(second.slug).not.toBe(first.slug);
    expect(second.slug.startsWith(`${first.slug}-`)).toBe(true);
  });

  it("keeps an explicit slug, and answers CONFLICT on the slug field when it is taken, writing nothing", async () => {
    const a = await signUp();
    const b = await signUp();
    const slug = `taken-${randomUUID().slice(0, 6)}`;
    expect((await a.caller.orgs.create({ name: "First", slug })).slug).toBe(slug);
    const before = await orgCount();
    const err = await expectTRPCError(b.caller.orgs.create({ name: "Second", slug }), "CONFLICT", /taken/);
    expect((err.cause as { field?: string }).field).toBe("slug");
    expect(await orgCount()).toBe(before);
    expect(await b.caller.auth.me().then((m) => m.organizations)).toEqual([]);
  });

  it("answers BAD_REQUEST naming the field for an invalid slug or a too short name", async () => {
    const user = await signUp();
    await expectBadInput(user.caller.orgs.create({ name: "Valid name", slug: "Not a slug!" }), "slug");
    await expectBadInput(user.caller.orgs.create({ name: "x" }), "name");
  });
});

describe("auth.me", () => {
  it("lists the user's organizations with the role in each", async () => {
    const { owner, orgId, org } = await signUpWithOrg("Alpha Org");
    const other = await signUpWithOrg("Beta Org");
    await joinOrg(other.owner.caller, other.orgId, "viewer", owner);

    const me = await owner.caller.auth.me();
    expect(me.user).toMatchObject({ id: owner.userId, email: owner.email, platformRole: null });
    expect(me.organizations).toEqual([
      { id: orgId, name: "Alpha Org", slug: org.slug, role: "owner" },
      { id: other.orgId, name: "Beta Org", slug: other.org.slug, role: "viewer" },
    ]);
  });
});

describe("orgs.rename", () => {
  it("lets the owner rename; members see the new name", async () => {
    const { owner, orgId } = await signUpWithOrg("Old Name");
    const member = await addMember(owner.caller, orgId, "member");
    const renamed = await owner.caller.orgs.rename({ orgId, name: "  New Name  " });
    expect(renamed.name).toBe("New Name");
    expect(await member.caller.orgs.get({ orgId })).toMatchObject({ name: "New Name", role: "member" });
  });

  it("is refused to admins and members (owner only)", async () => {
    const { owner, orgId } = await signUpWithOrg("Keep Name");
    const admin = await addMember(owner.caller, orgId, "admin");
    const member = await addMember(owner.caller, orgId, "member");
    await expectTRPCError(admin.caller.orgs.rename({ orgId, name: "Hijacked" }), "FORBIDDEN", /admin/);
    await expectTRPCError(member.caller.orgs.rename({ orgId, name: "Hijacked" }), "FORBIDDEN");
    const [row] = await getDb().select().from(organizations).where(eq(organizations.id, orgId));
    expect(row?.name).toBe("Keep Name");
  });
});

describe("tenant isolation", () => {
  it("answers NOT_FOUND for another organization's data, exactly as for an id that does not exist", async () => {
    const a = await signUpWithOrg("Tenant A");
    const b = await signUpWithOrg("Tenant B");
    const outsider = b.owner.caller;
    await expectTRPCError(outsider.orgs.get({ orgId: a.orgId }), "NOT_FOUND", "Organization not found");
    await expectTRPCError(outsider.members.list({ orgId: a.orgId }), "NOT_FOUND", "Organization not found");
    await expectTRPCError(outsider.orgs.rename({ orgId: a.orgId, name: "Mine now" }), "NOT_FOUND");
    await expectTRPCError(outsider.invitations.list({ orgId: a.orgId }), "NOT_FOUND");
    await expectTRPCError(outsider.apiKeys.list({ orgId: a.orgId }), "NOT_FOUND");
    await expectTRPCError(outsider.audit.list({ orgId: a.orgId }), "NOT_FOUND");
    await expectTRPCError(outsider.orgs.get({ orgId: randomUUID() }), "NOT_FOUND", "Organization not found");
    const [row] = await getDb().select().from(organizations).where(eq(organizations.id, a.orgId));
    expect(row?.name).toBe("Tenant A");
  });

  it("a user without any organization also gets NOT_FOUND", async () => {
    const a = await signUpWithOrg("Tenant C");
    const loner = await signUp();
    await expectTRPCError(loner.caller.members.list({ orgId: a.orgId }), "NOT_FOUND");
  });
});
