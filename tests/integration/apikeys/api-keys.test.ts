// API keys: the secret is shown once and stored hashed; a Bearer key acts with its role in its own organization only,
// records its last use, and stops working when revoked or expired.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { apiKeys, auditLog } from "@/db/schema";
import { addMember, apiKeyCaller, callHttp, expectBadInput, expectTRPCError, signUpWithOrg, uniqueEmail } from "../../helpers/callers";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const KEY_REFUSED = /invalid, revoked or expired/;

async function keyRow(id: string) {
  const [row] = await getDb().select().from(apiKeys).where(eq(apiKeys.id, id));
  return row!;
}

describe("apiKeys.create", () => {
  it("returns the secret once and stores only its sha256", async () => {
    const { owner, orgId } = await signUpWithOrg("Keys Inc");
    const key = await owner.caller.apiKeys.create({ orgId, name: "ci deploy", role: "admin" });
    expect(key.secret).toMatch(/^fp_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 10));
    expect(key.expiresAt).toBeNull();

    const row = await keyRow(key.id);
    expect(row.secretHash).toBe(sha256(key.secret));
    const { rows } = await getDb().execute(sql`select * from api_keys where id = ${key.id}`);
    expect(JSON.stringify(rows)).not.toContain(key.secret);
    expect(JSON.stringify(rows)).not.toContain(key.secret.slice(10));

    const listed = await owner.caller.apiKeys.list({ orgId });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: key.id, name: "ci deploy", role: "admin", prefix: key.prefix, revokedAt: null, lastUsedAt: null, createdByEmail: owner.email });
    expect(JSON.stringify(listed)).not.toContain(key.secret);
  });

  it("sets the expiry from expiresInDays", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "short lived", role: "viewer", expiresInDays: 30 });
    const days = (key.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("refuses the owner role, naming the role field", async () => {
    const { owner, orgId } = await signUpWithOrg();
    await expectBadInput(owner.caller.apiKeys.create({ orgId, name: "too strong", role: "owner" }), "role");
    expect(await owner.caller.apiKeys.list({ orgId })).toEqual([]);
  });

  it("is for admins only", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const member = await addMember(owner.caller, orgId, "member");
    await expectTRPCError(member.caller.apiKeys.create({ orgId, name: "mine", role: "viewer" }), "FORBIDDEN");
    await expectTRPCError(member.caller.apiKeys.list({ orgId }), "FORBIDDEN");
  });
});

describe("using an API key", () => {
  it("authenticates calls with its role in its organization and records last use", async () => {
    const { owner, orgId } = await signUpWithOrg("Bearer Co");
    const key = await owner.caller.apiKeys.create({ orgId, name: "reader", role: "viewer" });
    expect((await keyRow(key.id)).lastUsedAt).toBeNull();

    const bot = await apiKeyCaller(key.secret);
    const members = await bot.members.list({ orgId });
    expect(members.map((m) => m.email)).toEqual([owner.email]);
    const lastUsed = (await keyRow(key.id)).lastUsedAt;
    expect(lastUsed).toBeInstanceOf(Date);
    expect(Math.abs(lastUsed!.getTime() - Date.now())).toBeLessThan(60_000);
    expect((await owner.caller.apiKeys.list({ orgId }))[0]!.lastUsedAt).toEqual(lastUsed);
  });

  it("is limited by its role: a viewer key cannot invite", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "viewer key", role: "viewer" });
    const bot = await apiKeyCaller(key.secret);
    await expectTRPCError(bot.invitations.create({ orgId, email: uniqueEmail(), role: "member" }), "FORBIDDEN", /viewer/);
    expect(await owner.caller.invitations.list({ orgId })).toEqual([]);
  });

  it("an admin key can invite, and the audit log names the key as the actor", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "provisioner", role: "admin" });
    const bot = await apiKeyCaller(key.secret, { ip: "198.51.100.77", userAgent: "bot/2.0" });
    const inv = await bot.invitations.create({ orgId, email: uniqueEmail(), role: "member" });
    const rows = await getDb().select().from(auditLog).where(eq(auditLog.targetId, inv.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorType: "api_key", actorId: key.id, actorLabel: "api key provisioner", orgId, ip: "198.51.100.77", userAgent: "bot/2.0" });
  });

  it("answers NOT_FOUND for another organization", async () => {
    const a = await signUpWithOrg("Org A");
    const b = await signUpWithOrg("Org B");
    const key = await a.owner.caller.apiKeys.create({ orgId: a.orgId, name: "a only", role: "admin" });
    const bot = await apiKeyCaller(key.secret);
    await expectTRPCError(bot.members.list({ orgId: b.orgId }), "NOT_FOUND", "Organization not found");
    await expectTRPCError(bot.invitations.create({ orgId: b.orgId, email: uniqueEmail(), role: "member" }), "NOT_FOUND");
    await expectTRPCError(b.owner.caller.apiKeys.revoke({ orgId: b.orgId, keyId: key.id }), "NOT_FOUND");
    expect((await keyRow(key.id)).revokedAt).toBeNull();
  });

  it("cannot act as a person (user-only procedures are FORBIDDEN)", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "bot", role: "admin" });
    const bot = await apiKeyCaller(key.secret);
    await expectTRPCError(bot.auth.me(), "FORBIDDEN", /API keys/);
    await expectTRPCError(bot.orgs.create({ name: "Bot Org" }), "FORBIDDEN");
  });

  it("cannot leave the organization (it is not a member): a clear FORBIDDEN, not an internal error", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "leaver", role: "member" });
    const bot = await apiKeyCaller(key.secret);
    await expectTRPCError(bot.members.leave({ orgId }), "FORBIDDEN");
  });

  it("authenticates over HTTP with Authorization: Bearer", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "http", role: "member" });
    const ok = await callHttp("members.list", { orgId }, { bearer: key.secret });
    expect(ok.status).toBe(200);
    expect((ok.data as { email: string }[]).map((m) => m.email)).toEqual([owner.email]);
    const bad = await callHttp("members.list", { orgId }, { bearer: "fp_not-a-real-key" });
    expect(bad.status).toBe(401);
    expect(bad.error?.message).toMatch(KEY_REFUSED);
  });
});

describe("revoked and expired keys", () => {
  it("a revoked key is refused with UNAUTHORIZED at once; revoking again is PRECONDITION_FAILED", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "to revoke", role: "admin" });
    await (await apiKeyCaller(key.secret)).members.list({ orgId });
    await owner.caller.apiKeys.revoke({ orgId, keyId: key.id });
    expect((await keyRow(key.id)).revokedAt).toBeInstanceOf(Date);

    await expectTRPCError((await apiKeyCaller(key.secret)).members.list({ orgId }), "UNAUTHORIZED", KEY_REFUSED);
    await expectTRPCError(owner.caller.apiKeys.revoke({ orgId, keyId: key.id }), "PRECONDITION_FAILED", /already revoked/);
  });

  it("an expired key is refused with UNAUTHORIZED", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const key = await owner.caller.apiKeys.create({ orgId, name: "old", role: "admin", expiresInDays: 1 });
    await (await apiKeyCaller(key.secret)).members.list({ orgId });
    await getDb().update(apiKeys).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiKeys.id, key.id));
    await expectTRPCError((await apiKeyCaller(key.secret)).members.list({ orgId }), "UNAUTHORIZED", KEY_REFUSED);
  });

  it("an unknown key is refused with UNAUTHORIZED, not treated as anonymous", async () => {
    const { orgId } = await signUpWithOrg();
    await expectTRPCError((await apiKeyCaller("fp_" + "A".repeat(43))).members.list({ orgId }), "UNAUTHORIZED", KEY_REFUSED);
    await expectTRPCError((await apiKeyCaller("garbage")).members.list({ orgId }), "UNAUTHORIZED", KEY_REFUSED);
  });
});
