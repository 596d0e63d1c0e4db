// Section 1 of the API: the request context (who is calling, from where), built once per request.
import { randomUUID } from "node:crypto";
import { getDb, type Db } from "@/db/client";
import type { Actor, RequestInfo } from "@/server/auth/actor";
import { loadUserActor } from "@/server/auth/users";
import { authenticateApiKey } from "@/server/apikeys/authenticate-api-key";
import { clientIp } from "@/server/auth/client-ip";

/** `authFailure` explains why presented credentials were refused (so the caller is not just told to sign in). */
export type TRPCContext = { db: Db; actor: Actor | null; request: RequestInfo; authFailure?: string };

/** A client-supplied request id is kept only when short and plain, since it lands in logs and audit rows. */
function acceptedRequestId(value: string | null): string | null {
  return value && /^[A-Za-z0-9._-]{1,100}$/.test(value) ? value : null;
}

/**
 * Builds the context from the request headers and the next-auth session's user id (if any).
 * An `Authorization: Bearer` API key wins over a session cookie.
 */
export async function createTRPCContext(opts: { headers: Headers; sessionUserId: string | null }): Promise<TRPCContext> {
  const db = getDb();
  const request: RequestInfo = {
    ip: clientIp(opts.headers),
    userAgent: opts.headers.get("user-agent"),
    requestId: acceptedRequestId(opts.headers.get("x-request-id")) ?? randomUUID(),
  };
  const authz = opts.headers.get("authorization");
  let actor: Actor | null = null;
  if (authz?.toLowerCase().startsWith("bearer ")) {
    actor = await authenticateApiKey(db, authz.slice(7).trim());
    if (!actor) return { db, actor, request, authFailure: "The API key is invalid, revoked or expired" };
  } else if (opts.sessionUserId) {
    actor = await loadUserActor(db, opts.sessionUserId);
  }
  return { db, actor, request };
}
