// The workers process of the rollout benchmark: workers/main.ts exactly as in production, except that a rollout looks
// at its wave every `argv[2]` ms (configureRollouts is an in-process setting, so it is set here before the workers start).
import { configureRollouts } from "@/server/rollouts/advance-rollout";

const pollMs = Number(process.argv[2]);
if (!Number.isInteger(pollMs) || pollMs < 1) throw new Error(`usage: rollout-workers-child.ts <pollMs>; got "${process.argv[2]}"`);
configureRollouts({ pollMs });
await import("@/workers/main");
