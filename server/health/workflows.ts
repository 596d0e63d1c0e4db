// Recovery actions run as workflows: restarting crashing pods and moving pods off a lost node. Neither waits for
// readiness: the health monitor judges the result, and a failed wait must not mark the instance failed.
import { z } from "zod";
import { isNodeReady } from "@/server/clusters/node-snapshot";
import { clientsForCluster } from "@/server/instances/cluster-clients";
import { loadInstanceSpec } from "@/server/instances/instance-spec";
import { restartWorkload } from "@/server/instances/k8s/restart";
import type { InstanceInput } from "@/server/instances/workflows/steps";
import { registerWorkflow } from "@/server/workflows/registry";
import { deleteInstanceNamespace } from "@/server/instances/k8s/delete-namespace";

export const HEALTH_WORKFLOWS = { restartPods: "instance-recover-restart", evictLostPods: "instance-recover-evict" } as const;

const input = z.object({ instanceId: z.uuid() });
const retry = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 10_000, timeoutMs: 30_000 };

registerWorkflow<InstanceInput>({
  type: HEALTH_WORKFLOWS.restartPods,
  title: "Recover: restart pods",
  input,
  steps: [
    {
      name: "rolling-restart",
      retry,
      async run(ctx) {
        const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
        const clients = await clientsForCluster(ctx.db, spec.instance.clusterId!);
        // The stamp is the run: a retried step asks for the same restart, a new recovery for a new one.
        await restartWorkload(clients, { namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind, stamp: ctx.run.id });
      },
    },
  ],
});

registerWorkflow<InstanceInput>({
  type: HEALTH_WORKFLOWS.evictLostPods,
  title: "Recover: move pods off a lost node",
  input,
  steps: [
    {
      name: "evict",
      retry,
      async run(ctx) {
        const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
        const clients = await clientsForCluster(ctx.db, spec.instance.clusterId!);
        const [pods, nodes] = await Promise.all([clients.core.listNamespacedPod({ namespace: spec.instance.namespace }), clients.core.listNode()]);
        const lost = new Set(nodes.items.filter((n) => !isNodeReady(n)).map((n) => n.metadata!.name!));
        const victims = pods.items.filter((p) => p.spec?.nodeName && lost.has(p.spec.nodeName));
        // Force delete: the lost kubelet cannot confirm, and the controller then replaces the pods on healthy nodes
        // at once instead of after Kubernetes' default five minutes.
        for (const p of victims) {
          await clients.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: spec.instance.namespace, gracePeriodSeconds: 0 }).catch((err: { code?: number }) => {
            if (err.code !== 404) throw err;
          });
        }
        return { evicted: victims.map((p) => p.metadata!.name), nodes: [...lost] };
      },
    },
  ],
});

export const STALE_COPY_REMOVAL = "stale-copy-removal";

/**
 * Removes the copy an instance left on a cluster it moved away from while that cluster did not answer (a
 * failover). Retried for as long as the cluster stays away; the gateway already routes to the new copy, so the
 * old one never serves through Fleetplane, and it is deleted as soon as its cluster is back.
 */
registerWorkflow<{ clusterId: string; namespace: string; instanceId: string }>({
  type: STALE_COPY_REMOVAL,
  title: "Remove a stale copy",
  input: z.object({ clusterId: z.uuid(), namespace: z.string().min(1), instanceId: z.uuid() }),
  steps: [
    {
      name: "remove-namespace",
      retry: { attempts: 500, backoffMs: 2_000, maxBackoffMs: 60_000, timeoutMs: 30_000 },
      async run(ctx) {
        const { state } = await deleteInstanceNamespace(await clientsForCluster(ctx.db, ctx.run.input.clusterId), ctx.run.input.namespace);
        return { state };
      },
    },
  ],
});
