// Membership rules: role changes by admins, owner-only owner changes, removal, leaving, and the last-owner rule (also under concurrency).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { TRPCError } from "@trpc/server";
import { getDb } from "@/db/client";
import { memberships } from "@/db/schema";
import { addMember, expectTRPCError, signUpWithOrg } from "../../helpers/callers";

async function roleOf(orgId: string, userId: string) {
  const [row] = await getDb().select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return row?.role;
}

async function owners(orgId: string) {
  return getDb().select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")));
}

describe("members.updateRole", () => {
  it("lets an admin change a member's role", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const admin = await addMember(owner.caller, orgId, "admin");
    const member = await addMember(owner.caller, orgId, "member");
    const updated = await admin.caller.members.updateRole({ orgId, userId: member.userId, role: "viewer" });
    expect(updated.role).toBe("viewer");
    expect(await roleOf(orgId, member.userId)).toBe("viewer");
    const list = await member.caller.members.list({ orgId });
    expect(list.find((m) => m.userId === member.userId)?.role).toBe("viewer");
  });

  it("does not let an admin grant or take away the owner role", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const admin = await addMember(owner.caller, orgId, "admin");
    const member = await addMember(owner.caller, orgId, "member");
    await expectTRPCError(admin.caller.members.updateRole({ orgId, userId: member.userId, role: "owner" }), "FORBIDDEN", /Only an owner/);
    await expectTRPCError(admin.caller.members.updateRole({ orgId, userId: admin.userId, role: "owner" }), "FORBIDDEN");
    await expectTRPCError(admin.caller.members.updateRole({ orgId, userId: owner.userId, role: "viewer" }), "FORBIDDEN");
    expect(await roleOf(orgId, member.userId)).toBe("member");
    expect(await roleOf(orgId, admin.userId)).toBe("admin");
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
  });

  it("lets an owner make someone else owner; members and viewers change no roles", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    const viewer = await addMember(owner.caller, orgId, "viewer");
    await expectTRPCError(member.caller.members.updateRole({ orgId, userId: viewer.userId, role: "admin" }), "FORBIDDEN");
    await expectTRPCError(viewer.caller.members.updateRole({ orgId, userId: viewer.userId, role: "admin" }), "FORBIDDEN");
    await owner.caller.members.updateRole({ orgId, userId: member.userId, role: "owner" });
    expect(await roleOf(orgId, member.userId)).toBe("owner");
  });

  it("answers NOT_FOUND for someone who is not a member", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const other = await signUpWithOrg();
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: other.owner.userId, role: "viewer" }), "NOT_FOUND");
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: randomUUID(), role: "viewer" }), "NOT_FOUND");
    expect(await roleOf(other.orgId, other.owner.userId)).toBe("owner");
  });
});

describe("the last owner", () => {
  it("cannot be demoted", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await expectTRPCError(owner.caller.members.updateRole({ orgId, userId: owner.userId, role: "admin" }), "PRECONDITION_FAILED", /last owner/);
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
  });

  it("cannot leave", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await addMember(owner.caller, orgId, "admin");
    await expectTRPCError(owner.caller.members.leave({ orgId }), "PRECONDITION_FAILED", /last owner/);
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
  });

  it("cannot be removed", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await expectTRPCError(owner.caller.members.remove({ orgId, userId: owner.userId }), "PRECONDITION_FAILED", /last owner/);
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
  });

  it("with two owners, one may leave, and then the other is the last", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const second = await addMember(owner.caller, orgId, "owner");
    await second.caller.members.leave({ orgId });
    expect(await roleOf(orgId, second.userId)).toBeUndefined();
    await expectTRPCError(owner.caller.members.leave({ orgId }), "PRECONDITION_FAILED");
  });

  it("with two owners, one may demote the other", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const second = await addMember(owner.caller, orgId, "owner");
    await owner.caller.members.updateRole({ orgId, userId: second.userId, role: "admin" });
    expect((await owners(orgId)).map((o) => o.userId)).toEqual([owner.userId]);
  });

  // The second demotion waits for the first one's lock, then finds its author no longer an owner.
  it("survives two owners demoting each other at the same moment: one demotion fails, one owner remains", async () => {
    for (let round = 0; round < 5; round++) {
      const { owner, orgId } = await signUpWithOrg(`Race ${round}`);
      const second = await addMember(owner.caller, orgId, "owner");
      const results = await Promise.allSettled([
        owner.caller.members.updateRole({ orgId, userId: second.userId, role: "admin" }),
        second.caller.members.updateRole({ orgId, userId: owner.userId, role: "admin" }),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(rejected, `round ${round}`).toHaveLength(1);
      expect(rejected[0]!.reason).toBeInstanceOf(TRPCError);
      expect((rejected[0]!.reason as TRPCError).code).toBe("FORBIDDEN");
      expect(await owners(orgId), `round ${round}`).toHaveLength(1);
    }
  });

  it("survives one owner demoting both owners at once", async () => {
    const { owner, orgId } = await signUpWithOrg("Self Race");
    const second = await addMember(owner.caller, orgId, "owner");
    const results = await Promise.allSettled([
      owner.caller.members.updateRole({ orgId, userId: owner.userId, role: "member" }),
      owner.caller.members.updateRole({ orgId, userId: second.userId, role: "member" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await owners(orgId)).toHaveLength(1);
  });
});

describe("members.remove and members.leave", () => {
  it("lets an admin remove a member, not an owner", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const admin = await addMember(owner.caller, orgId, "admin");
    const member = await addMember(owner.caller, orgId, "member");
    await admin.caller.members.remove({ orgId, userId: member.userId });
    expect(await roleOf(orgId, member.userId)).toBeUndefined();
    await expectTRPCError(member.caller.members.list({ orgId }), "NOT_FOUND");
    await expectTRPCError(admin.caller.members.remove({ orgId, userId: owner.userId }), "FORBIDDEN", /Only an owner/);
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
  });

  it("refuses removal to plain members", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    const viewer = await addMember(owner.caller, orgId, "viewer");
    await expectTRPCError(member.caller.members.remove({ orgId, userId: viewer.userId }), "FORBIDDEN");
    expect(await roleOf(orgId, viewer.userId)).toBe("viewer");
  });

  it("lets any member leave", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const viewer = await addMember(owner.caller, orgId, "viewer");
    await viewer.caller.members.leave({ orgId });
    expect(await roleOf(orgId, viewer.userId)).toBeUndefined();
    expect((await viewer.caller.auth.me()).organizations).toEqual([]);
    await expectTRPCError(viewer.caller.members.leave({ orgId }), "NOT_FOUND");
  });
});
