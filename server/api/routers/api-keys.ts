// Organization API keys.
import { z } from "zod";
import { createApiKey, createApiKeyInput, listApiKeys, revokeApiKey } from "@/server/apikeys/api-keys";
import { orgProcedure, router } from "../trpc";

export const apiKeysRouter = router({
  list: orgProcedure("apikeys:list").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => listApiKeys(ctx.db, input.orgId)),
  create: orgProcedure("apikeys:create").input(createApiKeyInput).mutation(({ ctx, input }) => createApiKey(ctx.db, ctx, input)),
  revoke: orgProcedure("apikeys:revoke")
    .input(z.object({ orgId: z.uuid(), keyId: z.uuid() }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx, input.orgId, input.keyId)),
});
