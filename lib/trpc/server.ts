// Calling the tRPC API from server components: the same procedures and checks, with the session of the request.
import { cache } from "react";
import { headers } from "next/headers";
import { TRPCError } from "@trpc/server";
import { createCaller } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/context";
import { getSessionUserId } from "@/server/auth/next-auth";

/** A caller acting as the signed-in person of this request (API keys never apply to pages). */
export const getServerCaller = cache(async () => {
  const incoming = new Headers(await headers());
  incoming.delete("authorization");
  const ctx = await createTRPCContext({ headers: incoming, sessionUserId: await getSessionUserId() });
  return createCaller(ctx);
});

export type Me = Awaited<ReturnType<Awaited<ReturnType<typeof getServerCaller>>["auth"]["me"]>>;

/** The signed-in user and their organizations, or null when nobody (or a deleted account) is signed in. */
export const getMe = cache(async (): Promise<Me | null> => {
  const caller = await getServerCaller();
  try {
    return await caller.auth.me();
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
});

/** Runs a server-side call and turns a NOT_FOUND (or a malformed id) into null. */
export async function orNotFound<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return null;
    throw err;
  }
}
