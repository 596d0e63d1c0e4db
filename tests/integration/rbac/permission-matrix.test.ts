// Walks every procedure of the app router and, for every kind of caller, checks the outcome against the
// permission table in server/rbac. A procedure that declares no action fails this test.
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { orgRoles, users, type OrgRole } from "@/db/schema";
import { createTRPCContext } from "@/server/api/context";
import { appRouter, createCaller } from "@/server/api/root";
import { ORG_NOT_FOUND } from "@/server/api/trpc";
import { createApiKey } from "@/server/apikeys/api-keys";
import { createUserWithPassword, loadUserActor } from "@/server/auth/users";
import { systemContext, type UserActor } from "@/server/auth/actor";
import { createOrganization } from "@/server/orgs/organizations";
import { permissions, type Action, type PlatformRole } from "@/server/rbac/permissions";
import { memberships } from "@/db/schema";

type Caller =
  | { kind: "anonymous" }
  | { kind: "member"; role: OrgRole }
  | { kind: "non_member" }
  | { kind: "other_org_member" }
  | { kind: "platform"; role: PlatformRole }
  | { kind: "api_key"; role: Exclude<OrgRole, "owner">; sameOrg: boolean };

const callers: Caller[] = [
  { kind: "anonymous" },
  ...orgRoles.map((role) => ({ kind: "member", role }) as const),
  { kind: "non_member" },
  { kind: "other_org_member" },
  { kind: "platform", role: "platform_admin" },
  { kind: "platform", role: "platform_support" },
  ...(["admin", "member", "viewer", "billing"] as const).map((role) => ({ kind: "api_key", role, sameOrg: true }) as const),
  { kind: "api_key", role: "admin", sameOrg: false },
];

function describeCaller(c: Caller): string {
  if (c.kind === "member") return `member:${c.role}`;
  if (c.kind === "platform") return c.role;
  if (c.kind === "api_key") return `api_key:${c.role}${c.sameOrg ? "" : ":other_org"}`;
  return c.kind;
}

type Outcome = "allowed" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";

/** What the permission table says this caller gets for this action. */
function expectedOutcome(action: Action, c: Caller): Outcome {
  const p = permissions[action];
  if (p.scope === "public") return "allowed";
  if (c.kind === "anonymous") return "UNAUTHORIZED";
  if (p.scope === "user") return c.kind === "api_key" ? "FORBIDDEN" : "allowed";
  if (p.scope === "platform") return c.kind === "platform" && (p.platformRoles as readonly string[]).includes(c.role) ? "allowed" : "FORBIDDEN";
  const role = c.kind === "member" ? c.role : c.kind === "api_key" && c.sameOrg ? c.role : null;
  if (!role) return "NOT_FOUND";
  return (p.roles as readonly string[]).includes(role) ? "allowed" : "FORBIDDEN";
}

/** Classifies a call: an authorization refusal, or anything else (success, bad input, domain errors) as allowed. */
async function observe(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return "allowed";
  } catch (err) {
    if (!(err instanceof TRPCError)) throw err;
    if (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN") return err.code;
    if (err.code === "NOT_FOUND" && err.message === ORG_NOT_FOUND) return "NOT_FOUND";
    if (err.code === "INTERNAL_SERVER_ERROR") throw err;
    return "allowed";
  }
}

type Proc = { _def: { type: "query" | "mutation" | "subscription"; meta?: { action?: Action } } };
const procedures = Object.entries((appRouter._def as unknown as { procedures: Record<string, Proc> }).procedures);

let orgA = "";
const headersFor = new Map<string, Headers>();
const sessionFor = new Map<string, string | null>();

async function makeUser(label: string): Promise<UserActor> {
  const u = await createUserWithPassword(getDb(), { email: `${label}@matrix.test`, name: label, password: "matrix-password-1" });
  return (await loadUserActor(getDb(), u.id))!;
}

beforeAll(async () => {
  const db = getDb();
  const owner = await makeUser("owner");
  const org = await createOrganization(db, { ...systemContext(), actor: owner }, { name: "Org A" });
  orgA = org.id;
  const otherOwner = await makeUser("other");
  const orgB = await createOrganization(db, { ...systemContext(), actor: otherOwner }, { name: "Org B" });
  for (const c of callers) {
    const key = describeCaller(c);
    sessionFor.set(key, null);
    headersFor.set(key, new Headers({ "user-agent": "matrix" }));
    if (c.kind === "member") {
      const actor = c.role === "owner" ? owner : await makeUser(`m-${c.role}`);
      if (c.role !== "owner") await db.insert(memberships).values({ orgId: orgA, userId: actor.userId, role: c.role });
      sessionFor.set(key, actor.userId);
    } else if (c.kind === "non_member") {
      sessionFor.set(key, (await makeUser("loner")).userId);
    } else if (c.kind === "other_org_member") {
      sessionFor.set(key, otherOwner.userId);
    } else if (c.kind === "platform") {
      const actor = await makeUser(c.role.replace("_", "-"));
      await db.update(users).set({ platformRole: c.role }).where(eq(users.id, actor.userId));
      sessionFor.set(key, actor.userId);
    } else if (c.kind === "api_key") {
      const k = await createApiKey(db, { ...systemContext(), actor: owner }, { orgId: c.sameOrg ? orgA : orgB.id, name: key, role: c.role });
      headersFor.set(key, new Headers({ "user-agent": "matrix", authorization: `Bearer ${k.secret}` }));
    }
  }
});

describe("permission matrix", () => {
  it("covers every procedure, and every procedure declares a known action", () => {
    expect(procedures.length).toBeGreaterThan(20);
    const undeclared = procedures.filter(([, p]) => !p._def.meta?.action || !(p._def.meta.action in permissions)).map(([path]) => path);
    expect(undeclared).toEqual([]);
  });

  it("uses every action of the permission table somewhere", () => {
    const used = new Set(procedures.map(([, p]) => p._def.meta?.action));
    expect(Object.keys(permissions).filter((a) => !used.has(a as Action))).toEqual([]);
  });

  for (const [path, proc] of procedures) {
    it(`${path} answers each caller as the permission table says`, async () => {
      const action = proc._def.meta!.action!;
      const scope = permissions[action].scope;
      // Mutations get a probe input that can never pass validation, so an allowed caller changes nothing.
      const input =
        proc._def.type === "mutation"
          ? { ...(scope === "org" ? { orgId: orgA } : {}), __probe: true }
          : scope === "org"
            ? { orgId: orgA }
            : path === "invitations.preview"
              ? { token: "inv_not-a-real-token" }
              : undefined;
      const mismatches: string[] = [];
      for (const c of callers) {
        const key = describeCaller(c);
        const ctx = await createTRPCContext({ headers: headersFor.get(key)!, sessionUserId: sessionFor.get(key)! });
        const caller = createCaller(ctx) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
        const [ns, name] = path.split(".") as [string, string];
        const outcome = await observe(() => caller[ns]![name]!(input));
        const expected = expectedOutcome(action, c);
        if (outcome !== expected) mismatches.push(`${key}: expected ${expected}, got ${outcome}`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
