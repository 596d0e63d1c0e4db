// Instances and their workflow runs: customers manage their organization's; platform staff see and steer the fleet.
import { z } from "zod";
import {
  changeInstancePlan, changePlanInput, createInstance, createInstanceInput, deleteInstance, fleetFilterInput, getInstance, listFleet,
  applyRebalancingMove, listInstances, moveInstance, restartInstance, scaleInstance, scaleInstanceInput, startInstance, stopInstance,
} from "@/server/instances/instances";
import { revealCredentials } from "@/server/instances/instance-credentials";
import { scalingSettingsInput, sleepInstance, updateScalingSettings, wakeInstance } from "@/server/scaling/sleep-wake";
import { getInstanceTraffic } from "@/server/scaling/traffic";
import { upgradeInstance, upgradeInstanceInput } from "@/server/rollouts/upgrade-instance";
import { instanceEvents } from "@/server/instances/instance-k8s-events";
import { getRun, listRuns, listWorkflowTypesWithSettings, runFilterInput } from "@/server/workflows/queries";
import { cancelRun, pauseRun, resumeRun, retryRun, setTypeHeld } from "@/server/workflows/runs";
import { orgProcedure, platformProcedure, router } from "../trpc";

const one = z.object({ orgId: z.uuid(), instanceId: z.uuid() });
const runRef = z.object({ orgId: z.uuid(), runId: z.uuid() });

export const instancesRouter = router({
  list: orgProcedure("instances:read").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => listInstances(ctx.db, input.orgId)),
  get: orgProcedure("instances:read").input(one).query(({ ctx, input }) => getInstance(ctx.db, input.orgId, input.instanceId)),
  traffic: orgProcedure("instances:read")
    .input(one.extend({ minutes: z.number().int().min(1).max(120).default(60) }))
    .query(({ ctx, input }) => getInstanceTraffic(ctx.db, input.orgId, input.instanceId, input.minutes)),
  events: orgProcedure("instances:read").input(one).query(({ ctx, input }) => instanceEvents(ctx.db, input.orgId, input.instanceId)),
  create: orgProcedure("instances:create").input(createInstanceInput).mutation(({ ctx, input }) => createInstance(ctx.db, ctx, input)),
  scale: orgProcedure("instances:manage").input(scaleInstanceInput).mutation(({ ctx, input }) => scaleInstance(ctx.db, ctx, input)),
  stop: orgProcedure("instances:manage").input(one).mutation(({ ctx, input }) => stopInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  start: orgProcedure("instances:manage").input(one).mutation(({ ctx, input }) => startInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  restart: orgProcedure("instances:manage").input(one).mutation(({ ctx, input }) => restartInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  upgrade: orgProcedure("instances:manage").input(upgradeInstanceInput).mutation(({ ctx, input }) => upgradeInstance(ctx.db, ctx, input)),
  sleep: orgProcedure("instances:manage").input(one).mutation(({ ctx, input }) => sleepInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  wake: orgProcedure("instances:manage").input(one).mutation(({ ctx, input }) => wakeInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  setScaling: orgProcedure("instances:manage").input(scalingSettingsInput).mutation(({ ctx, input }) => updateScalingSettings(ctx.db, ctx, input)),
  changePlan: orgProcedure("instances:manage").input(changePlanInput).mutation(({ ctx, input }) => changeInstancePlan(ctx.db, ctx, input)),
  delete: orgProcedure("instances:delete").input(one).mutation(({ ctx, input }) => deleteInstance(ctx.db, ctx, input.orgId, input.instanceId)),
  revealCredentials: orgProcedure("instances:credentials").input(one).mutation(({ ctx, input }) => revealCredentials(ctx.db, ctx, input.orgId, input.instanceId)),
});

export const runsRouter = router({
  list: orgProcedure("workflows:read").input(runFilterInput.extend({ orgId: z.uuid() })).query(({ ctx, input }) => listRuns(ctx.db, input.orgId, input)),
  get: orgProcedure("workflows:read").input(runRef).query(({ ctx, input }) => getRun(ctx.db, input.runId, input.orgId)),
  pause: orgProcedure("workflows:control").input(runRef).mutation(({ ctx, input }) => pauseRun(ctx.db, ctx, input.runId, input.orgId)),
  resume: orgProcedure("workflows:control").input(runRef).mutation(({ ctx, input }) => resumeRun(ctx.db, ctx, input.runId, input.orgId)),
  retry: orgProcedure("workflows:control").input(runRef).mutation(({ ctx, input }) => retryRun(ctx.db, ctx, input.runId, input.orgId)),
  cancel: orgProcedure("workflows:control").input(runRef).mutation(({ ctx, input }) => cancelRun(ctx.db, ctx, input.runId, input.orgId)),
});

const anyRun = z.object({ runId: z.uuid() });

export const fleetRouter = router({
  instances: platformProcedure("fleet:read").input(fleetFilterInput).query(({ ctx, input }) => listFleet(ctx.db, input)),
  runs: platformProcedure("fleet:read").input(runFilterInput).query(({ ctx, input }) => listRuns(ctx.db, null, input)),
  run: platformProcedure("fleet:read").input(anyRun).query(({ ctx, input }) => getRun(ctx.db, input.runId)),
  workflowTypes: platformProcedure("fleet:read").query(({ ctx }) => listWorkflowTypesWithSettings(ctx.db)),
  pauseRun: platformProcedure("fleet:manage").input(anyRun).mutation(({ ctx, input }) => pauseRun(ctx.db, ctx, input.runId)),
  resumeRun: platformProcedure("fleet:manage").input(anyRun).mutation(({ ctx, input }) => resumeRun(ctx.db, ctx, input.runId)),
  retryRun: platformProcedure("fleet:manage").input(anyRun).mutation(({ ctx, input }) => retryRun(ctx.db, ctx, input.runId)),
  cancelRun: platformProcedure("fleet:manage").input(anyRun).mutation(({ ctx, input }) => cancelRun(ctx.db, ctx, input.runId)),
  holdType: platformProcedure("fleet:manage")
    .input(z.object({ type: z.string().min(1).max(60), held: z.boolean() }))
    .mutation(({ ctx, input }) => setTypeHeld(ctx.db, ctx, input.type, input.held)),
  moveInstance: platformProcedure("fleet:manage")
    .input(z.object({ orgId: z.uuid(), instanceId: z.uuid(), toClusterId: z.uuid().optional() }))
    .mutation(({ ctx, input }) => moveInstance(ctx.db, ctx, input.orgId, input.instanceId, input.toClusterId)),
  applyRebalancingMove: platformProcedure("fleet:manage")
    .input(z.object({ instanceId: z.uuid(), toClusterId: z.uuid() }))
    .mutation(({ ctx, input }) => applyRebalancingMove(ctx.db, ctx, input.instanceId, input.toClusterId)),
});
