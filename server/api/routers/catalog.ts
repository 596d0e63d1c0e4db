// The catalog: browsed by signed-in users, managed by platform admins.
import { z } from "zod";
import {
  createPlan, createService, createServiceVersion, listCatalog, listRegions, planInput, previewInput, previewManifest, serviceInput, setDefaultVersion,
  updatePlan, updatePlanInput, updateService, updateServiceInput, versionInput,
} from "@/server/catalog/catalog";
import { platformProcedure, router, userProcedure } from "../trpc";

export const catalogRouter = router({
  list: userProcedure("catalog:read").query(({ ctx }) => listCatalog(ctx.db, { includeInactive: false })),
  regions: userProcedure("catalog:read").query(({ ctx }) => listRegions(ctx.db)),
  adminList: platformProcedure("catalog:read_admin").query(({ ctx }) => listCatalog(ctx.db, { includeInactive: true })),
  createService: platformProcedure("catalog:manage").input(serviceInput).mutation(({ ctx, input }) => createService(ctx.db, ctx, input)),
  updateService: platformProcedure("catalog:manage").input(updateServiceInput).mutation(({ ctx, input }) => updateService(ctx.db, ctx, input)),
  createVersion: platformProcedure("catalog:manage").input(versionInput).mutation(({ ctx, input }) => createServiceVersion(ctx.db, ctx, input)),
  setDefaultVersion: platformProcedure("catalog:manage")
    .input(z.object({ versionId: z.uuid() }))
    .mutation(({ ctx, input }) => setDefaultVersion(ctx.db, ctx, input.versionId)),
  previewManifest: platformProcedure("catalog:read_admin").input(previewInput).query(({ input }) => previewManifest(input)),
  createPlan: platformProcedure("catalog:manage").input(planInput).mutation(({ ctx, input }) => createPlan(ctx.db, ctx, input)),
  updatePlan: platformProcedure("catalog:manage").input(updatePlanInput).mutation(({ ctx, input }) => updatePlan(ctx.db, ctx, input)),
});
