// Password sign-in and its brute-force lockout (5 failures per email+IP, counted in Redis under this file's prefix).
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { signInWithPassword } from "@/server/auth/users";
import { getRedis } from "@/server/redis/client";
import { signUp, uniqueEmail } from "../../helpers/callers";

const IP_A = "192.0.2.10";
const IP_B = "192.0.2.11";

async function fail(email: string, ip: string, times: number) {
  for (let i = 0; i < times; i++) {
    const r = await signInWithPassword(getDb(), email, "definitely-wrong-password", ip);
    expect(r).toEqual({ ok: false, reason: "invalid" });
  }
}

describe("signInWithPassword", () => {
  it("accepts the right password, with the email in any case", async () => {
    const user = await signUp();
    expect(await signInWithPassword(getDb(), user.email, user.password, IP_A)).toEqual({ ok: true, userId: user.userId });
    expect(await signInWithPassword(getDb(), user.email.toUpperCase(), user.password, IP_A)).toEqual({ ok: true, userId: user.userId });
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    const user = await signUp();
    expect(await signInWithPassword(getDb(), user.email, user.password + "x", IP_A)).toEqual({ ok: false, reason: "invalid" });
    expect(await signInWithPassword(getDb(), uniqueEmail("nobody"), user.password, IP_A)).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("login lockout", () => {
  it("locks an email+IP after 5 failures, even for the right password, with a retry time", async () => {
    const user = await signUp();
    await fail(user.email, IP_A, 5);
    const locked = await signInWithPassword(getDb(), user.email, user.password, IP_A);
    expect(locked.ok).toBe(false);
    if (locked.ok) return;
    expect(locked.reason).toBe("locked");
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    expect(locked.retryAfterSeconds).toBeLessThanOrEqual(900);
    // The same address typed in another case is the same account: still locked.
    expect((await signInWithPassword(getDb(), user.email.toUpperCase(), user.password, IP_A)).ok).toBe(false);
  });

  it("does not lock after 4 failures", async () => {
    const user = await signUp();
    await fail(user.email, IP_A, 4);
    expect(await signInWithPassword(getDb(), user.email, user.password, IP_A)).toEqual({ ok: true, userId: user.userId });
  });

  it("does not lock the same email from another IP", async () => {
    const user = await signUp();
    await fail(user.email, IP_A, 5);
    expect((await signInWithPassword(getDb(), user.email, user.password, IP_A)).ok).toBe(false);
    expect(await signInWithPassword(getDb(), user.email, user.password, IP_B)).toEqual({ ok: true, userId: user.userId });
  });

  it("does not lock another email from the same IP", async () => {
    const victim = await signUp();
    const other = await signUp();
    await fail(victim.email, IP_A, 5);
    expect(await signInWithPassword(getDb(), other.email, other.password, IP_A)).toEqual({ ok: true, userId: other.userId });
  });

  it("clears the failure count on a successful sign-in", async () => {
    const user = await signUp();
    await fail(user.email, IP_A, 4);
    expect((await signInWithPassword(getDb(), user.email, user.password, IP_A)).ok).toBe(true);
    await fail(user.email, IP_A, 4);
    // 8 failures in the window, but the success in between reset the count to 4.
    expect(await signInWithPassword(getDb(), user.email, user.password, IP_A)).toEqual({ ok: true, userId: user.userId });
  });

  it("keeps its counters under this deployment's Redis prefix, with an expiry", async () => {
    const user = await signUp();
    await fail(user.email, "192.0.2.99", 1);
    const keys = await getRedis().keys(`${process.env.REDIS_PREFIX}:login-failures:*`);
    expect(keys.length).toBeGreaterThan(0);
    const ttls = await Promise.all(keys.map((k) => getRedis().ttl(k)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(900);
    }
  });
});
