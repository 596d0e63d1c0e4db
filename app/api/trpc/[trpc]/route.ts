// The tRPC HTTP endpoint: session cookie or `Authorization: Bearer <api key>`.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/context";
import { getSessionUserId } from "@/server/auth/next-auth";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () =>
      createTRPCContext({
        headers: req.headers,
        sessionUserId: req.headers.get("authorization") ? null : await getSessionUserId(),
      }),
  });
}

export { handler as GET, handler as POST };
