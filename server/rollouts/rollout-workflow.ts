// The rollout run (fleet-rollout): announce, then one step per wave, each looking again every few seconds until its
// wave is upgraded and has soaked (see advance-rollout.ts). The rollback run (fleet-rollback) has one such step.
import { eq, inArray, and } from "drizzle-orm";
import { z } from "zod";
import { rollouts } from "@/db/schema";
import { registerWorkflow } from "@/server/workflows/registry";
import type { StepDefinition } from "@/server/workflows/types";
import { advanceRollback, advanceWave } from "./advance-rollout";
import { announceRollout } from "./notices";
import { ROLLOUT_WORKFLOWS } from "./workflow-names";

type RolloutInput = { rolloutId: string; waveCount: number };

const announce: StepDefinition<RolloutInput> = { name: "announce", run: async (ctx) => announceRollout(ctx.db, ctx.run.input.rolloutId) };

const waveStep = (wave: number, count: number): StepDefinition<RolloutInput> => ({
  name: `wave-${wave}`,
  run: (ctx) => advanceWave(ctx.db, ctx.run.input.rolloutId, wave, wave === count),
});

registerWorkflow<RolloutInput>({
  type: ROLLOUT_WORKFLOWS.rollout,
  title: "Roll out a version",
  input: z.object({ rolloutId: z.uuid(), waveCount: z.number().int().min(1).max(11) }),
  steps: [announce, waveStep(1, 1)],
  stepsFor: (input) => [announce, ...Array.from({ length: input.waveCount }, (_, i) => waveStep(i + 1, input.waveCount))],
  async onFinish({ db, run, status, error }) {
    // Cancelled by an abort (already recorded) or by hand on the workflows page: the rollout is over either way.
    if (status === "cancelled") {
      await db.update(rollouts).set({ status: "aborted", finishedAt: new Date(), updatedAt: new Date() }).where(and(eq(rollouts.id, run.input.rolloutId), inArray(rollouts.status, ["scheduled", "running", "paused"])));
    } else if (status === "failed") {
      await db.update(rollouts).set({ status: "failed", pauseReason: error, finishedAt: new Date(), updatedAt: new Date() }).where(eq(rollouts.id, run.input.rolloutId));
    }
  },
});

registerWorkflow<{ rolloutId: string }>({
  type: ROLLOUT_WORKFLOWS.rollback,
  title: "Roll back a rollout",
  input: z.object({ rolloutId: z.uuid() }),
  steps: [{ name: "roll-back", run: (ctx) => advanceRollback(ctx.db, ctx.run.input.rolloutId) }],
  async onFinish({ db, run, status, error }) {
    if (status !== "succeeded") await db.update(rollouts).set({ status: "failed", pauseReason: `rollback ${status}: ${error ?? "cancelled"}`, finishedAt: new Date(), updatedAt: new Date() }).where(eq(rollouts.id, run.input.rolloutId));
  },
});
