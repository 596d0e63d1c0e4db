// What API callers see when things go wrong: over HTTP (the app's errorFormatter) and through createCaller.
// Bad input names its field, domain errors keep their code and message, internal errors reveal nothing but a request id.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { callHttp, expectTRPCError, signUp, signUpWithOrg, uniqueEmail, userCaller, userMessage } from "../../helpers/callers";

describe("errors over HTTP", () => {
  it("BAD_REQUEST names the bad field in the message and in data.fieldErrors", async () => {
    const res = await callHttp("auth.signUp", { email: "nope", name: "Bob", password: "long-enough-password" }, { type: "mutation", requestId: "req-bad-email" });
    expect(res.status).toBe(400);
    expect(res.error?.data.code).toBe("BAD_REQUEST");
    expect(res.error?.message).toMatch(/^Invalid input: email: /);
    expect(res.error?.message).not.toContain("password");
    expect(res.error?.data.fieldErrors).toMatchObject({ email: [expect.any(String)] });
    expect(res.error?.data.requestId).toBe("req-bad-email");
  });

  it("BAD_REQUEST names each bad field when several are wrong", async () => {
    const res = await callHttp("auth.signUp", { email: "nope", name: "Bob", password: "short" }, { type: "mutation" });
    expect(res.status).toBe(400);
    expect(res.error?.message).toContain("email");
    expect(res.error?.message).toContain("password");
  });

  it("a missing or malformed orgId is BAD_REQUEST naming orgId", async () => {
    const { owner } = await signUpWithOrg();
    const res = await callHttp("members.list", { orgId: "not-a-uuid" }, { sessionUserId: owner.userId });
    expect(res.status).toBe(400);
    expect(res.error?.message).toContain("orgId");
  });

  it("an orgId that merely looks like a uuid is still BAD_REQUEST (or NOT_FOUND), never an internal error", async () => {
    const { owner } = await signUpWithOrg();
    const res = await callHttp("members.list", { orgId: "-".repeat(36) }, { sessionUserId: owner.userId });
    expect(res.error?.data.code).not.toBe("INTERNAL_SERVER_ERROR");
    expect([400, 404]).toContain(res.status);
  });

  it("a domain error keeps its code and message, and names its field", async () => {
    const user = await signUp();
    const res = await callHttp("auth.signUp", { email: user.email, name: "Again", password: "long-enough-password" }, { type: "mutation" });
    expect(res.status).toBe(409);
    expect(res.error?.message).toBe("An account with this email already exists");
    expect(res.error?.data).toMatchObject({ code: "CONFLICT", field: "email" });
  });

  it("a call without a session is UNAUTHORIZED, another organization is NOT_FOUND", async () => {
    const a = await signUpWithOrg();
    const b = await signUpWithOrg();
    const anon = await callHttp("members.list", { orgId: a.orgId });
    expect(anon.status).toBe(401);
    expect(anon.error?.message).toBe("Sign in first");
    const other = await callHttp("members.list", { orgId: a.orgId }, { sessionUserId: b.owner.userId });
    expect(other.status).toBe(404);
    expect(other.error?.message).toBe("Organization not found");
  });

  it("a successful call returns superjson data (dates survive)", async () => {
    const { owner, orgId } = await signUpWithOrg();
    const res = await callHttp("members.list", { orgId }, { sessionUserId: owner.userId });
    expect(res.status).toBe(200);
    const members = res.data as { email: string; joinedAt: Date }[];
    expect(members.map((m) => m.email)).toEqual([owner.email]);
    expect(members[0]!.joinedAt).toBeInstanceOf(Date);
  });
});

describe("unexpected internal errors", () => {
  async function withOrganizationsTableGone(fn: () => Promise<void>) {
    await getDb().execute(sql`alter table organizations rename to organizations_gone`);
    try {
      await fn();
    } finally {
      await getDb().execute(sql`alter table organizations_gone rename to organizations`);
    }
  }

  it("reach an HTTP caller as INTERNAL_SERVER_ERROR quoting the request id, with no internal text or stack", async () => {
    const user = await signUp();
    const requestId = `req-${randomUUID()}`;
    await withOrganizationsTableGone(async () => {
      const res = await callHttp("orgs.create", { name: "Doomed Org" }, { type: "mutation", sessionUserId: user.userId, requestId });
      expect(res.status).toBe(500);
      expect(res.error?.data.code).toBe("INTERNAL_SERVER_ERROR");
      expect(res.error?.message).toContain(requestId);
      expect(res.error?.data.requestId).toBe(requestId);
      const raw = JSON.stringify(res.body);
      expect(raw).not.toMatch(/organizations|relation|does not exist|insert into/i);
      expect(raw).not.toMatch(/\bat .*\.ts:\d+/); // no stack frames
      expect(res.error?.data).not.toHaveProperty("stack");
    });
  });

  it("generate a request id when the client sends none", async () => {
    const user = await signUp();
    await withOrganizationsTableGone(async () => {
      const res = await callHttp("orgs.create", { name: "Doomed Org" }, { type: "mutation", sessionUserId: user.userId });
      expect(res.status).toBe(500);
      const requestId = res.error?.data.requestId as string;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.error?.message).toContain(requestId);
    });
  });

  it("reach a createCaller caller as INTERNAL_SERVER_ERROR, whose formatted message hides the database's text", async () => {
    const user = await signUp();
    const requestId = `req-${randomUUID()}`;
    const caller = await userCaller(user.userId, { requestId });
    await withOrganizationsTableGone(async () => {
      const err = await expectTRPCError(caller.orgs.create({ name: "Doomed Org" }), "INTERNAL_SERVER_ERROR");
      // createCaller skips the errorFormatter (server components must not show err.message); what a client would see:
      const shown = userMessage(err, requestId);
      expect(shown).toContain(requestId);
      expect(shown).not.toMatch(/organizations|relation|does not exist/i);
    });
    // The table is back: the same call works again.
    await expect(caller.orgs.create({ name: "Fine Org", slug: `fine-${randomUUID().slice(0, 6)}` })).resolves.toMatchObject({ name: "Fine Org" });
  });

  it("are logged with the request id and the real cause, so support can find them", async () => {
    const user = await signUp();
    const requestId = `req-${randomUUID()}`;
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await withOrganizationsTableGone(async () => {
        const res = await callHttp("orgs.create", { name: "Doomed Org" }, { type: "mutation", sessionUserId: user.userId, requestId });
        expect(res.status).toBe(500);
      });
    } finally {
      spy.mockRestore();
    }
    const logged = lines.filter((l) => l.includes(requestId)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "error", requestId });
    expect(JSON.stringify(logged[0])).toMatch(/does not exist/);
  });

  it("a failed request leaves no partial rows behind", async () => {
    const email = uniqueEmail();
    await getDb().execute(sql`alter table audit_log rename to audit_log_gone`);
    try {
      const res = await callHttp("auth.signUp", { email, name: "Half", password: "long-enough-password" }, { type: "mutation" });
      expect(res.status).toBe(500);
    } finally {
      await getDb().execute(sql`alter table audit_log_gone rename to audit_log`);
    }
    const { rows } = await getDb().execute(sql`select id from users where email = ${email}`);
    expect(rows).toEqual([]);
  });
});
