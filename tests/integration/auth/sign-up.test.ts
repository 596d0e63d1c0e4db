// Sign-up through the API: accounts are created with an argon2id hash, emails are unique ignoring case, bad input names its field.
import { describe, expect, it } from "vitest";
import { count, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import { anonCaller, expectBadInput, expectTRPCError, uniqueEmail } from "../../helpers/callers";

async function userCount(): Promise<number> {
  const [row] = await getDb().select({ n: count() }).from(users);
  return row!.n;
}

describe("auth.signUp", () => {
  it("creates an account with a lowercased email and an argon2id hash, and audits it", async () => {
    const anon = await anonCaller({ ip: "198.51.100.20", userAgent: "signup-agent" });
    const email = uniqueEmail("Alice").replace("Alice", "ALICE");
    const password = "correct horse battery staple";
    const created = await anon.auth.signUp({ email, name: "Alice", password });

    expect(created.email).toBe(email.toLowerCase());
    const [row] = await getDb().select().from(users).where(eq(users.id, created.id));
    expect(row?.email).toBe(email.toLowerCase());
    expect(row?.name).toBe("Alice");
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain(password);
    expect(row?.platformRole).toBeNull();

    const audit = await getDb().select().from(auditLog).where(eq(auditLog.targetId, created.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "auth.sign_up", actorType: "user", actorId: created.id, orgId: null, ip: "198.51.100.20", userAgent: "signup-agent" });
  });

  it("refuses a second account for the same email, ignoring case, with CONFLICT on the email field", async () => {
    const anon = await anonCaller();
    const email = uniqueEmail("dup");
    await anon.auth.signUp({ email, name: "First", password: "first-password-123" });
    const before = await userCount();

    const err = await expectTRPCError(anon.auth.signUp({ email: email.toUpperCase(), name: "Second", password: "second-password-123" }), "CONFLICT", /already exists/);
    expect((err.cause as { field?: string }).field).toBe("email");
    expect(await userCount()).toBe(before);
    // Even a row written around the API with another case collides (unique index on lower(email)).
    await expect(getDb().execute(sql`insert into users (email, name) values (${email.toUpperCase()}, 'raw')`)).rejects.toThrow();
  });

  it("answers BAD_REQUEST naming the email field for a malformed email, and writes nothing", async () => {
    const anon = await anonCaller();
    const before = await userCount();
    await expectBadInput(anon.auth.signUp({ email: "not-an-email", name: "Bob", password: "long-enough-password" }), "email");
    expect(await userCount()).toBe(before);
  });

  it("answers BAD_REQUEST naming the password field for a short password, and writes nothing", async () => {
    const anon = await anonCaller();
    const before = await userCount();
    const err = await expectBadInput(anon.auth.signUp({ email: uniqueEmail(), name: "Bob", password: "short" }), "password");
    expect(err.message).not.toContain("email");
    expect(await userCount()).toBe(before);
  });

  it("auth.me needs a session", async () => {
    const anon = await anonCaller();
    await expectTRPCError(anon.auth.me(), "UNAUTHORIZED", /sign in/i);
  });
});
