// Release workflows: one instance's upgrade (applying its new version); rollouts of many instances build on it.
import { z } from "zod";
import { finish } from "@/server/instances/workflows/definitions";
import { applyWorkload, markState, namespaceStep, waitReadyStep, type InstanceInput } from "@/server/instances/workflows/steps";
import { registerWorkflow } from "@/server/workflows/registry";

export const ROLLOUT_WORKFLOWS = { upgrade: "instance-upgrade" } as const;

registerWorkflow<InstanceInput>({
  type: ROLLOUT_WORKFLOWS.upgrade,
  title: "Upgrade to a new version",
  input: z.object({ instanceId: z.uuid() }),
  // The workload step renders the instance's (new) version; readiness waits for every replica of it.
  steps: [markState("start", "updating", "upgrading"), namespaceStep, { name: "workload", run: (ctx) => applyWorkload(ctx) }, waitReadyStep],
  onFinish: finish("running"),
});
