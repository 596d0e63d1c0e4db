// Section 2 and 3 of the API: tRPC init (error shape, meta) and the procedure factories that declare each action.
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { and, eq } from "drizzle-orm";
import { memberships, type OrgRole } from "@/db/schema";
import { getPermission, type Action, type permissions } from "@/server/rbac/permissions";
import { log } from "@/server/log";
import type { TRPCContext } from "./context";
import { formatError, toTRPCError } from "./errors";
import { DomainError } from "@/server/errors/domain-error";
import { describeErrorForLog } from "@/server/errors/describe-error";
import { z } from "zod";
import type { ApiKeyActor, UserActor } from "@/server/auth/actor";

export type Meta = { action: Action };

const t = initTRPC
  .context<TRPCContext>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx }) {
      const { message, data } = formatError(error, ctx?.request.requestId);
      return { ...shape, message, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...data } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Converts domain errors to tRPC codes and logs unexpected ones with the request id. */
const errorMapping = t.middleware(async ({ next, ctx, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof DomainError) return { ...result, error: toTRPCError(cause) };
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    log.error("api", `${path} failed`, { requestId: ctx.request.requestId, ...describeErrorForLog(cause ?? result.error) });
  }
  return result;
});

type ActionOfScope<S extends string> = { [A in Action]: (typeof permissions)[A]["scope"] extends S ? A : never }[Action];

const base = t.procedure.use(errorMapping);

/** The error an org-scoped call gets when the caller cannot see the organization: it does not exist for them. */
export const ORG_NOT_FOUND = "Organization not found";

function unauthorized(ctx: TRPCContext): TRPCError {
  return new TRPCError({ code: "UNAUTHORIZED", message: ctx.authFailure ?? "Sign in first" });
}

/** Anyone, even anonymous. */
export function publicProcedure(action: ActionOfScope<"public">) {
  return base.meta({ action });
}

/** Signed-in people (not API keys). */
export function userProcedure(action: ActionOfScope<"user">) {
  return base.meta({ action }).use(({ ctx, next }) => {
    if (!ctx.actor) throw unauthorized(ctx);
    if (ctx.actor.kind !== "user") throw new TRPCError({ code: "FORBIDDEN", message: "API keys cannot do this; sign in as a person" });
    return next({ ctx: { ...ctx, actor: ctx.actor as UserActor } });
  });
}

/**
 * Members of the organization whose id is the input's `orgId`, with a role the permission table allows.
 * Checked before input validation, from the raw input, so authorization never depends on a parse.
 */
export function orgProcedure(action: ActionOfScope<"org">) {
  const permission = getPermission(action);
  return base.meta({ action }).use(async ({ ctx, next, getRawInput }) => {
    if (!ctx.actor) throw unauthorized(ctx);
    const raw = (await getRawInput()) as { orgId?: unknown } | undefined;
    const orgId = z.uuid().safeParse(raw?.orgId).data ?? null;
    if (!orgId) throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid input: orgId: an organization id is required" });
    let role: OrgRole | undefined;
    if (ctx.actor.kind === "api_key") {
      role = ctx.actor.orgId === orgId ? ctx.actor.role : undefined;
    } else if (ctx.actor.kind === "user") {
      const row = await ctx.db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, ctx.actor.userId)))
        .limit(1);
      role = row[0]?.role;
    }
    if (!role) throw new TRPCError({ code: "NOT_FOUND", message: ORG_NOT_FOUND });
    if (permission.scope !== "org" || !permission.roles.includes(role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Your role (${role}) does not allow this: ${permission.description.toLowerCase()}` });
    }
    return next({ ctx: { ...ctx, actor: ctx.actor as UserActor | ApiKeyActor, org: { id: orgId, role } } });
  });
}

/** Provider staff with a platform role the permission table allows. */
export function platformProcedure(action: ActionOfScope<"platform">) {
  const permission = getPermission(action);
  return base.meta({ action }).use(({ ctx, next }) => {
    if (!ctx.actor) throw unauthorized(ctx);
    const role = ctx.actor.kind === "user" ? ctx.actor.platformRole : null;
    if (permission.scope !== "platform" || !role || !permission.platformRoles.includes(role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "This is for platform staff only" });
    }
    return next({ ctx: { ...ctx, actor: ctx.actor as UserActor } });
  });
}
