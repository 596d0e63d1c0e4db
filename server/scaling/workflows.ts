// Scale to zero as workflows: sleep (replicas to zero, data kept, observed "sleeping") and wake (replicas back,
// ready, endpoint recorded, observed "running"). Registered with the other instance workflows.
import { z } from "zod";
import { registerWorkflow } from "@/server/workflows/registry";
import { finish } from "@/server/instances/workflows/definitions";
import { endpointStep, markState, scaleStep, waitReadyStep, waitStoppedStep, type InstanceInput } from "@/server/instances/workflows/steps";

export const SCALING_WORKFLOWS = { sleep: "instance-sleep", wake: "instance-wake" } as const;

const input = z.object({ instanceId: z.uuid() });

registerWorkflow<InstanceInput>({
  type: SCALING_WORKFLOWS.sleep,
  title: "Sleep (scale to zero)",
  input,
  steps: [markState("start", "stopping", "going to sleep; data is kept"), scaleStep("scale-to-zero", () => 0), waitStoppedStep],
  onFinish: finish(() => "sleeping"),
});

registerWorkflow<InstanceInput>({
  type: SCALING_WORKFLOWS.wake,
  title: "Wake",
  input,
  steps: [markState("start", "updating", "waking up"), scaleStep("scale-up", (s) => s.instance.desiredReplicas), waitReadyStep, endpointStep],
  onFinish: finish(() => "running"),
});
