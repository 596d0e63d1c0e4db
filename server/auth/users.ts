// Accounts: sign-up, password sign-in (with lockout), OIDC sign-in, and turning a user row into an actor.
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { getEnv } from "@/server/env";
import { DomainError, isUniqueViolation } from "@/server/errors/domain-error";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext, RequestInfo, UserActor } from "./actor";
import { getDummyHash, hashPassword, passwordSchema, verifyPassword } from "./passwords";
import { clearLoginFailures, lockoutRemainingSeconds, recordLoginFailure } from "./login-lockout";
import type { PlatformRole } from "@/server/rbac/permissions";

export const signUpInput = z.object({
  email: z.email("must be a valid email address").max(254).transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1, "is required").max(100),
  password: passwordSchema,
});
export type SignUpInput = z.infer<typeof signUpInput>;

/** Platform role of a user: the stored one, or one granted by the env lists (admin wins). */
export function effectivePlatformRole(email: string, stored: PlatformRole | null): PlatformRole | null {
  const env = getEnv();
  const e = email.toLowerCase();
  if (stored === "platform_admin" || env.PLATFORM_ADMIN_EMAILS.includes(e)) return "platform_admin";
  if (stored === "platform_support" || env.PLATFORM_SUPPORT_EMAILS.includes(e)) return "platform_support";
  return null;
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const rows = await db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).limit(1);
  return rows[0];
}

/** Creates an account with a password; the new user is the audit actor. CONFLICT when the email is taken. */
export async function createUserWithPassword(db: Db, input: SignUpInput, request?: RequestInfo): Promise<{ id: string; email: string }> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(users).values({ email: input.email, name: input.name, passwordHash }).returning({ id: users.id, email: users.email });
      if (!row) throw new Error("insert returned nothing");
      const actorCtx: ActorContext = {
        actor: { kind: "user", userId: row.id, email: row.email, name: input.name, platformRole: null },
        request: request ?? { ip: null, userAgent: null, requestId: "sign-up" },
      };
      await recordAudit(tx, actorCtx, { orgId: null, action: "auth.sign_up", targetType: "user", targetId: row.id });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", "An account with this email already exists", { field: "email" });
    throw err;
  }
}

export type SignInResult = { ok: true; userId: string } | { ok: false; reason: "invalid" | "locked"; retryAfterSeconds?: number };

/** Checks email + password; counts failures per email+IP and refuses while locked out. */
export async function signInWithPassword(db: Db, email: string, password: string, ip: string | null): Promise<SignInResult> {
  const remaining = await lockoutRemainingSeconds(email, ip);
  if (remaining > 0) return { ok: false, reason: "locked", retryAfterSeconds: remaining };
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(user?.passwordHash ?? (await getDummyHash()), password);
  if (!user || !user.passwordHash || !valid) {
    await recordLoginFailure(email, ip);
    return { ok: false, reason: "invalid" };
  }
  await clearLoginFailures(email, ip);
  return { ok: true, userId: user.id };
}

/** Finds or creates the user behind an OIDC identity; links by verified email on first sign-in. */
export async function upsertOidcUser(db: Db, profile: { subject: string; email: string; name: string }): Promise<string> {
  const bySubject = await db.select({ id: users.id }).from(users).where(eq(users.oidcSubject, profile.subject)).limit(1);
  if (bySubject[0]) return bySubject[0].id;
  const byEmail = await findUserByEmail(db, profile.email);
  if (byEmail) {
    await db.update(users).set({ oidcSubject: profile.subject }).where(eq(users.id, byEmail.id));
    return byEmail.id;
  }
  const [row] = await db
    .insert(users)
    .values({ email: profile.email.toLowerCase(), name: profile.name || profile.email, oidcSubject: profile.subject })
    .returning({ id: users.id });
  if (!row) throw new Error("insert returned nothing");
  return row.id;
}

/** The actor for a signed-in user id, or null when the account no longer exists. */
export async function loadUserActor(db: DbOrTx, userId: string): Promise<UserActor | null> {
  if (!z.uuid().safeParse(userId).success) return null;
  const rows = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  const u = rows[0];
  if (!u) return null;
  return { kind: "user", userId: u.id, email: u.email, name: u.name, platformRole: effectivePlatformRole(u.email, u.platformRole) };
}
