// Releases: operators run rollouts of a version across the fleet; customers set maintenance windows, read upgrade
// notices and upgrade or defer their instances' pending upgrades.
import { z } from "zod";
import { deferUpgrade, pendingUpgrade, upgradeNow } from "@/server/rollouts/customer-upgrades";
import { getMaintenanceWindows, maintenanceWindowsInput, setMaintenanceWindows } from "@/server/rollouts/maintenance-windows";
import { dismissUpgradeNotice, listUpgradeNotices } from "@/server/rollouts/notices";
import { abortRollout, createRollout, createRolloutInput, getRollout, listRollouts, pauseRollout, resumeRollout, resumeRolloutInput, rollbackRollout, rolloutFilterInput } from "@/server/rollouts/rollouts";
import { orgProcedure, platformProcedure, router } from "../trpc";

const oneRollout = z.object({ rolloutId: z.uuid() });
const oneInstance = z.object({ orgId: z.uuid(), instanceId: z.uuid() });

export const rolloutsRouter = router({
  list: platformProcedure("rollouts:read").input(rolloutFilterInput).query(({ ctx, input }) => listRollouts(ctx.db, input)),
  get: platformProcedure("rollouts:read").input(oneRollout).query(({ ctx, input }) => getRollout(ctx.db, input.rolloutId)),
  create: platformProcedure("rollouts:manage").input(createRolloutInput).mutation(({ ctx, input }) => createRollout(ctx.db, ctx, input)),
  pause: platformProcedure("rollouts:manage").input(oneRollout).mutation(({ ctx, input }) => pauseRollout(ctx.db, ctx, input.rolloutId)),
  resume: platformProcedure("rollouts:manage").input(resumeRolloutInput).mutation(({ ctx, input }) => resumeRollout(ctx.db, ctx, input)),
  abort: platformProcedure("rollouts:manage").input(oneRollout).mutation(({ ctx, input }) => abortRollout(ctx.db, ctx, input.rolloutId)),
  rollback: platformProcedure("rollouts:manage").input(oneRollout).mutation(({ ctx, input }) => rollbackRollout(ctx.db, ctx, input.rolloutId)),
});

export const upgradesRouter = router({
  pending: orgProcedure("instances:read").input(oneInstance).query(({ ctx, input }) => pendingUpgrade(ctx.db, input.orgId, input.instanceId)),
  upgradeNow: orgProcedure("instances:manage").input(oneInstance).mutation(({ ctx, input }) => upgradeNow(ctx.db, ctx, input.orgId, input.instanceId)),
  defer: orgProcedure("instances:manage").input(oneInstance).mutation(({ ctx, input }) => deferUpgrade(ctx.db, ctx, input.orgId, input.instanceId)),
  notices: orgProcedure("maintenance:read").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => listUpgradeNotices(ctx.db, input.orgId)),
  dismissNotice: orgProcedure("maintenance:read")
    .input(z.object({ orgId: z.uuid(), noticeId: z.uuid() }))
    .mutation(({ ctx, input }) => dismissUpgradeNotice(ctx.db, input.orgId, input.noticeId)),
  windows: orgProcedure("maintenance:read").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => getMaintenanceWindows(ctx.db, input.orgId)),
  setWindows: orgProcedure("maintenance:manage").input(maintenanceWindowsInput).mutation(({ ctx, input }) => setMaintenanceWindows(ctx.db, ctx, input)),
});
