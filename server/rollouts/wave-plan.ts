// How a rollout's targets split into waves: a canary first (a count or a percentage), then cumulative percentages
// of all targets. Pure, so the split can be shown before a rollout starts and tested on its own.
import { z } from "zod";
import type { RolloutWavePlan } from "@/db/schema";

export const wavePlanInput = z
  .object({
    canary: z.union([z.object({ count: z.number().int().min(1).max(1000) }), z.object({ percent: z.number().gt(0).max(50) })]),
    percents: z.array(z.number().gt(0).max(100)).min(1, "add at least one wave after the canary").max(10, "at most 10 waves after the canary"),
  })
  .refine((p) => p.percents.every((v, i) => i === 0 || v > p.percents[i - 1]!), { message: "wave percentages must grow (they are cumulative)", path: ["percents"] })
  .refine((p) => p.percents[p.percents.length - 1] === 100, { message: "the last wave must reach 100 %", path: ["percents"] });

/** `percent` % of `total`, rounded up, without floating-point noise (8.8 % of 375 is 33, not 34). */
const share = (total: number, percent: number) => Math.ceil(Math.round(total * percent * 1e6) / 1e8);

/**
 * The number of targets in each wave (waves that would be empty are dropped, so a small fleet gets fewer waves).
 * Every target is in exactly one wave; the canary has at least one.
 */
export function splitIntoWaves(total: number, plan: RolloutWavePlan): number[] {
  if (total === 0) return [];
  const canary = Math.min(total, "count" in plan.canary ? plan.canary.count : Math.max(1, share(total, plan.canary.percent)));
  const sizes = [canary];
  let covered = canary;
  for (const percent of plan.percents) {
    const upTo = Math.min(total, Math.max(covered, share(total, percent)));
    if (upTo > covered) sizes.push(upTo - covered);
    covered = upTo;
  }
  return sizes;
}
