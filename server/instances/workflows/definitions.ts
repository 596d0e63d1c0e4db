// The instance lifecycle as workflows: provision, scale, stop, start, restart, change plan, move and delete.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { clusters, instances } from "@/db/schema";
import { onRunFinished, registerWorkflow } from "@/server/workflows/registry";
import { kubeStatusOf } from "@/server/k8s/kube-status";
import { publishInstanceChange } from "../instance-events";
import type { WorkflowDefinition } from "@/server/workflows/types";
import { namespaceFor } from "../instance-spec";
import { loadInstanceSpec } from "../instance-spec";
import { setObserved } from "../observe";
import { restartWorkload } from "../k8s/restart";
import { clientsForCluster } from "../cluster-clients";
import { releaseReservations } from "@/server/placement/reserve-placement";
import {
  applyWorkload, credentialsStep, deleteNamespaceStep, endpointStep, markState, namespaceStep, placeStep, placeStepExcluding, releaseStep, scaleStep, waitReadyStep, waitStoppedStep, workloadStep,
  type InstanceInput,
} from "./steps";

const input = z.object({ instanceId: z.uuid(), toClusterId: z.uuid().optional() });

type EndState = "running" | "stopped" | "sleeping" | "deleted";

/**
 * Sets the observed state when a run ends: success reaches `onSuccess` (a state, or one chosen from the desired
 * replicas), failure says why. A fixed state needs no read of the instance first.
 */
export function finish(onSuccess: EndState | ((replicas: number) => EndState)): WorkflowDefinition<InstanceInput>["onFinish"] {
  const ended = (state: EndState, replicas: number | "desired") => ({
    observedState: state,
    observedReplicas: state === "running" ? replicas : 0,
    statusMessage: null,
    ...(state === "deleted" ? { deletedAt: new Date(), desiredState: "deleted" as const } : {}),
  });
  return async ({ db, run, status, error }) => {
    const id = run.input.instanceId;
    if (status === "succeeded" && typeof onSuccess === "string") return setObserved(db, id, ended(onSuccess, "desired"));
    if (status === "failed") return setObserved(db, id, { observedState: "failed", statusMessage: error });
    const [row] = await db.select().from(instances).where(eq(instances.id, id));
    if (!row) return;
    if (status === "succeeded" && typeof onSuccess === "function") {
      await setObserved(db, row.id, ended(onSuccess(row.desiredReplicas), row.desiredReplicas));
    } else {
      await setObserved(db, row.id, { observedState: row.observedState === "provisioning" ? "failed" : row.observedState, statusMessage: "the last change was cancelled" });
    }
  };
}

// A finished run changed the instance (onFinish wrote it inside the run's transaction): tell the gateway and the
// portal once that transaction has committed.
onRunFinished(async (run) => {
  if (run.type.startsWith("instance-")) await publishInstanceChange(run.subjectId);
});

export const INSTANCE_WORKFLOWS = {
  provision: "instance-provision",
  scale: "instance-scale",
  stop: "instance-stop",
  start: "instance-start",
  restart: "instance-restart",
  changePlan: "instance-change-plan",
  move: "instance-move",
  delete: "instance-delete",
} as const;

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.provision,
  title: "Provision instance",
  input,
  steps: [markState("start", "provisioning", "provisioning"), placeStep, namespaceStep, credentialsStep, workloadStep, waitReadyStep, endpointStep],
  onFinish: finish("running"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.scale,
  title: "Scale instance",
  input,
  // The namespace step first: its quota grows with the replicas.
  steps: [markState("start", "updating", "scaling"), namespaceStep, scaleStep("scale", (s) => s.instance.desiredReplicas), waitReadyStep],
  onFinish: finish((replicas) => (replicas === 0 ? "stopped" : "running")),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.stop,
  title: "Stop instance",
  input,
  steps: [markState("start", "stopping", "stopping; data is kept"), scaleStep("scale-to-zero", () => 0), waitStoppedStep],
  onFinish: finish("stopped"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.start,
  title: "Start instance",
  input,
  steps: [markState("start", "updating", "starting"), scaleStep("scale-up", (s) => s.instance.desiredReplicas), waitReadyStep, endpointStep],
  onFinish: finish("running"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.restart,
  title: "Restart instance",
  input,
  steps: [
    markState("start", "updating", "restarting"),
    {
      name: "rolling-restart",
      async run(ctx) {
        const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
        const clients = await clientsForCluster(ctx.db, spec.instance.clusterId!);
        // The restart stamp comes from the run, so a retried step asks for the same restart, not another one.
        await restartWorkload(clients, { namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind, stamp: ctx.run.id });
      },
    },
    waitReadyStep,
  ],
  onFinish: finish("running"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.changePlan,
  title: "Change plan",
  input,
  steps: [markState("start", "updating", "changing plan"), namespaceStep, { name: "workload", run: (ctx) => applyWorkload(ctx) }, waitReadyStep],
  onFinish: finish("running"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.move,
  title: "Move instance to another cluster",
  input,
  steps: [
    markState("start", "updating", "moving to another cluster"),
    {
      name: "leave-old-cluster",
      async run(ctx) {
        const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
        // Remember where it was, so the old namespace can be removed once the new one serves.
        const from = spec.instance.clusterId;
        await releaseReservations(ctx.db, spec.instance.id);
        return { fromClusterId: from, fromNamespace: spec.instance.namespace };
      },
    },
    placeStepExcluding(async (ctx) => {
      const from = ((await ctx.output("leave-old-cluster")) as { fromClusterId?: string | null } | undefined)?.fromClusterId;
      const target = ctx.run.input.toClusterId;
      if (!target) return from ? [from] : [];
      // A proposal names its destination: every other cluster is out.
      return (await ctx.db.select({ id: clusters.id }).from(clusters)).map((c) => c.id).filter((id) => id !== target);
    }),
    namespaceStep,
    credentialsStep,
    workloadStep,
    waitReadyStep,
    endpointStep,
    {
      name: "remove-old-namespace",
      async run(ctx) {
        const left = (await ctx.output("leave-old-cluster")) as { fromClusterId?: string | null; fromNamespace?: string } | undefined;
        const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
        if (!left?.fromClusterId || left.fromClusterId === spec.instance.clusterId) return { removed: false };
        const { deleteInstanceNamespace } = await import("../k8s/delete-namespace");
        const namespace = left.fromNamespace ?? namespaceFor(spec.instance.id, spec.instance.name);
        try {
          await deleteInstanceNamespace(await clientsForCluster(ctx.db, left.fromClusterId), namespace);
          return { removed: true };
        } catch (err) {
          // The old cluster does not answer (a failover): the new copy serves already; the old one is removed
          // by a run of its own as soon as that cluster is back.
          if (kubeStatusOf(err)) throw err;
          const { scheduleStaleCopyRemoval } = await import("@/server/health/stale-copies");
          await scheduleStaleCopyRemoval(ctx.db, { clusterId: left.fromClusterId, namespace, instanceId: spec.instance.id, orgId: spec.instance.orgId });
          return { removed: false, deferred: true };
        }
      },
    },
  ],
  onFinish: finish("running"),
});

registerWorkflow<InstanceInput>({
  type: INSTANCE_WORKFLOWS.delete,
  title: "Delete instance",
  input,
  steps: [markState("start", "deleting", "deleting"), deleteNamespaceStep, releaseStep],
  onFinish: finish("deleted"),
});
