// Platform roles: granted by the env lists (PLATFORM_ADMIN_EMAILS / PLATFORM_SUPPORT_EMAILS) or by the stored users.platform_role.
import { afterAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import { expectTRPCError, signUp, userCaller } from "../../helpers/callers";

// server/env.ts parses once per process (per test file here): set the lists before anything reads the env.
const suffix = Math.random().toString(36).slice(2, 8);
const ADMIN_EMAIL = `boss-${suffix}@example.com`;
const SUPPORT_EMAIL = `helper-${suffix}@example.com`;
vi.stubEnv("PLATFORM_ADMIN_EMAILS", ` ${ADMIN_EMAIL.toUpperCase()} , other-admin@example.com`);
vi.stubEnv("PLATFORM_SUPPORT_EMAILS", SUPPORT_EMAIL);
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("platform roles", () => {
  it("grants platform_admin to an email in PLATFORM_ADMIN_EMAILS (any case)", async () => {
    const boss = await signUp(ADMIN_EMAIL);
    const me = await boss.caller.auth.me();
    expect(me.user.platformRole).toBe("platform_admin");
    await expect(boss.caller.orgs.listAll()).resolves.toBeInstanceOf(Array);
    await expect(boss.caller.catalog.createService({ slug: `svc-${suffix}`, name: "Service", kind: "stateless" })).resolves.toMatchObject({ slug: `svc-${suffix}` });
    // The env grants the role; nothing is written to the user row.
    const [row] = await getDb().select().from(users).where(eq(users.id, boss.userId));
    expect(row?.platformRole).toBeNull();
  });

  it("grants platform_support from PLATFORM_SUPPORT_EMAILS: reads everything, manages no catalog", async () => {
    const helper = await signUp(SUPPORT_EMAIL);
    expect((await helper.caller.auth.me()).user.platformRole).toBe("platform_support");
    await expect(helper.caller.audit.listAll({})).resolves.toHaveProperty("items");
    await expectTRPCError(helper.caller.catalog.createService({ slug: `nope-${suffix}`, name: "Nope", kind: "stateless" }), "FORBIDDEN");
  });

  it("gives no platform role to anyone else", async () => {
    const normal = await signUp();
    expect((await normal.caller.auth.me()).user.platformRole).toBeNull();
    await expectTRPCError(normal.caller.orgs.listAll(), "FORBIDDEN", /platform staff/);
    await expectTRPCError(normal.caller.audit.listAll({}), "FORBIDDEN");
  });

  it("honours the stored platform_role column, and the env admin list wins over a stored support role", async () => {
    const granted = await signUp();
    await getDb().update(users).set({ platformRole: "platform_support" }).where(eq(users.id, granted.userId));
    expect((await (await userCaller(granted.userId)).auth.me()).user.platformRole).toBe("platform_support");

    await getDb().update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, granted.userId));
    expect((await (await userCaller(granted.userId)).auth.me()).user.platformRole).toBe("platform_admin");

    const listed = await signUp("other-admin@example.com");
    await getDb().update(users).set({ platformRole: "platform_support" }).where(eq(users.id, listed.userId));
    expect((await (await userCaller(listed.userId)).auth.me()).user.platformRole).toBe("platform_admin");
  });
});
