// Test helpers: tRPC callers for a user, an API key or nobody (the same code path as HTTP), an in-process HTTP call,
// quick sign-up / organization / member setup, and assertions on tRPC errors.
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { expect } from "vitest";
import { appRouter, createCaller } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/context";
import { formatError } from "@/server/api/errors";
import type { OrgRole } from "@/db/schema";

export type Caller = ReturnType<typeof createCaller>;

/** Where a call seems to come from; these land in the audit log. */
export type RequestOpts = { ip?: string; userAgent?: string; requestId?: string };

export const TEST_IP = "203.0.113.7";
export const TEST_USER_AGENT = "fleetplane-tests/1.0";

export function testHeaders(opts: RequestOpts & { bearer?: string } = {}): Headers {
  const h = new Headers({ "user-agent": opts.userAgent ?? TEST_USER_AGENT, "x-forwarded-for": `${opts.ip ?? TEST_IP}, 10.0.0.1` });
  if (opts.requestId) h.set("x-request-id", opts.requestId);
  if (opts.bearer !== undefined) h.set("authorization", `Bearer ${opts.bearer}`);
  return h;
}

/** A caller signed in as `userId` (as the session cookie would say). The actor is loaded now: rebuild after changing the user. */
export async function userCaller(userId: string, opts: RequestOpts = {}): Promise<Caller> {
  return createCaller(await createTRPCContext({ headers: testHeaders(opts), sessionUserId: userId }));
}

/** A caller presenting `Authorization: Bearer <secret>`. */
export async function apiKeyCaller(secret: string, opts: RequestOpts = {}): Promise<Caller> {
  return createCaller(await createTRPCContext({ headers: testHeaders({ ...opts, bearer: secret }), sessionUserId: null }));
}

export async function anonCaller(opts: RequestOpts = {}): Promise<Caller> {
  return createCaller(await createTRPCContext({ headers: testHeaders(opts), sessionUserId: null }));
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

export type SignedUp = { userId: string; email: string; password: string; caller: Caller };

/** Creates an account through `auth.signUp` and returns a caller signed in as it. */
export async function signUp(email = uniqueEmail(), opts: RequestOpts = {}): Promise<SignedUp> {
  const password = `pw-${randomUUID()}`;
  const anon = await anonCaller(opts);
  const user = await anon.auth.signUp({ email, name: email.split("@")[0]!, password });
  return { userId: user.id, email: user.email, password, caller: await userCaller(user.id, opts) };
}

/** A fresh user who owns a fresh organization. */
export async function signUpWithOrg(name = "Acme Inc") {
  const owner = await signUp(uniqueEmail("owner"));
  const org = await owner.caller.orgs.create({ name });
  return { owner, org, orgId: org.id };
}

/** Signs up a new user and makes them a member of `orgId` with `role` (invitation + acceptance by `inviter`). */
export async function addMember(inviter: Caller, orgId: string, role: OrgRole, email = uniqueEmail(role)): Promise<SignedUp> {
  return joinOrg(inviter, orgId, role, await signUp(email));
}

/** Makes an existing user a member of `orgId` with `role` (invitation by `inviter`, acceptance by the user). */
export async function joinOrg(inviter: Caller, orgId: string, role: OrgRole, user: SignedUp): Promise<SignedUp> {
  const { link } = await inviter.invitations.create({ orgId, email: user.email, role });
  await user.caller.invitations.accept({ token: tokenOf(link) });
  return user;
}

export function tokenOf(link: string): string {
  return link.slice(link.lastIndexOf("/") + 1);
}

/** Awaits a call that must fail with a TRPCError of `code`, optionally with a message matching `messageMatch`. */
export async function expectTRPCError(promise: Promise<unknown>, code: TRPC_ERROR_CODE_KEY, messageMatch?: string | RegExp): Promise<TRPCError> {
  let error: unknown;
  let settled = false;
  try {
    await promise;
    settled = true;
  } catch (err) {
    error = err;
  }
  if (settled) expect.fail(`expected a ${code} error, but the call succeeded`);
  expect(error).toBeInstanceOf(TRPCError);
  const trpcError = error as TRPCError;
  expect(trpcError.code, `error code (message: ${trpcError.message})`).toBe(code);
  if (messageMatch !== undefined) expect(trpcError.message).toMatch(messageMatch);
  return trpcError;
}

/** What an HTTP client would read as the message: the app's errorFormatter output (createCaller skips it). */
export function userMessage(err: TRPCError, requestId = "test-request"): string {
  return formatError(err, requestId).message;
}

/** Expects BAD_REQUEST that names `field`, as a client sees it: in the message, in data.fieldErrors or as data.field. */
export async function expectBadInput(promise: Promise<unknown>, field: string): Promise<TRPCError> {
  const err = await expectTRPCError(promise, "BAD_REQUEST");
  const { message, data } = formatError(err, "test-request");
  const named = message.includes(field) || data.field === field || !!data.fieldErrors?.[field];
  expect(named, `BAD_REQUEST should name "${field}": ${message} ${JSON.stringify(data)}`).toBe(true);
  return err;
}

export type HttpResult = { status: number; body: unknown; data?: unknown; error?: { message: string; code: number; data: Record<string, unknown> } };

/** One tRPC call over HTTP, handled in-process by the same handler as app/api/trpc (no server needed). */
export async function callHttp(
  path: string,
  input: unknown,
  opts: RequestOpts & { type?: "query" | "mutation"; sessionUserId?: string | null; bearer?: string } = {},
): Promise<HttpResult> {
  const encoded = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  const headers = testHeaders(opts);
  let req: Request;
  if ((opts.type ?? "query") === "query") {
    const qs = encoded === undefined ? "" : `?input=${encodeURIComponent(encoded)}`;
    req = new Request(`http://localhost/api/trpc/${path}${qs}`, { method: "GET", headers });
  } else {
    headers.set("content-type", "application/json");
    req = new Request(`http://localhost/api/trpc/${path}`, { method: "POST", headers, body: encoded ?? "" });
  }
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers, sessionUserId: opts.sessionUserId ?? null }),
  });
  const body = (await res.json()) as { result?: { data: Parameters<typeof superjson.deserialize>[0] }; error?: Parameters<typeof superjson.deserialize>[0] };
  return {
    status: res.status,
    body,
    data: body.result ? superjson.deserialize(body.result.data) : undefined,
    error: body.error ? (superjson.deserialize(body.error) as HttpResult["error"]) : undefined,
  };
}

/**
 * Marks an organization as subscribed, for tests about something else than billing (paid plans need an active
 * subscription; tests/integration/billing covers how one is obtained through Stripe Checkout).
 */
export async function markSubscribed(orgId: string): Promise<void> {
  const { getDb } = await import("@/db/client");
  const { billingAccounts } = await import("@/db/schema");
  await getDb().insert(billingAccounts).values({ orgId, status: "active" }).onConflictDoUpdate({ target: billingAccounts.orgId, set: { status: "active" } });
}
