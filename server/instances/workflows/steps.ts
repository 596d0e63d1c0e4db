// The lifecycle steps shared by instance workflows. Each is idempotent: server-side apply, reads before creates,
// upserts; any of them may run again after a crash.
import { eq } from "drizzle-orm";
import { instances } from "@/db/schema";
import { placeAndReserve, releaseReservations } from "@/server/placement/reserve-placement";
import { requestForPlan } from "@/server/placement/fleet-planning";
import { StepFailure, type StepContext, type StepDefinition } from "@/server/workflows/types";
import { applyManifests } from "../k8s/apply-workload";
import { ensureCredentialsSecret } from "../k8s/instance-credentials";
import { renderInstanceObjects } from "../k8s/render-workload";
import { deleteInstanceNamespace, waitForNamespaceGone } from "../k8s/delete-namespace";
import { readServiceEndpoint } from "../k8s/endpoint";
import { ensureInstanceNamespace } from "../k8s/instance-namespace";
import { waitForWorkloadReady } from "../k8s/readiness";
import { scaleWorkload } from "../k8s/scale";
import { clientsForCluster } from "../cluster-clients";
import { loadInstanceSpec, type InstanceSpec } from "../instance-spec";
import { setObserved } from "../observe";

/** `toClusterId`: only for a move, the cluster it must go to (a rebalancing proposal); else any but the one it leaves. */
export type InstanceInput = { instanceId: string; toClusterId?: string };
type Step = StepDefinition<InstanceInput>;
type Ctx = StepContext<InstanceInput>;

const k8sRetry = { attempts: 6, backoffMs: 1_000, maxBackoffMs: 30_000, timeoutMs: 60_000 };

/** The instance's spec, read once per job: the steps a job runs back to back share it (see StepContext.memo). */
async function specOf(ctx: Ctx): Promise<InstanceSpec> {
  const hit = ctx.memo.get("instance-spec") as InstanceSpec | undefined;
  if (hit) return hit;
  const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
  ctx.memo.set("instance-spec", spec);
  return spec;
}

async function specAndClients(ctx: Ctx) {
  const spec = await specOf(ctx);
  if (!spec.instance.clusterId) throw new StepFailure("the instance has no cluster assigned", { retryable: false });
  return { spec, clients: await clientsForCluster(ctx.db, spec.instance.clusterId) };
}

export function placementRequest(spec: InstanceSpec) {
  return { ...requestForPlan(spec.plan, spec.instance.region ?? undefined), stateless: spec.service.kind === "stateless" };
}

export const markState = (name: string, observedState: "provisioning" | "updating" | "stopping" | "deleting", statusMessage: string): Step => ({
  name,
  retry: k8sRetry,
  async run(ctx) {
    await setObserved(ctx.db, ctx.run.input.instanceId, { observedState, statusMessage });
  },
});

/**
 * Confirms the reservation made at create time, or places the instance when it holds none (a move, where
 * `exclude` names the cluster it leaves).
 */
export const placeStepExcluding = (exclude: (ctx: Ctx) => string[] | Promise<string[]>): Step => ({
  name: "place",
  retry: { attempts: 10, backoffMs: 2_000, maxBackoffMs: 60_000, timeoutMs: 30_000 },
  async run(ctx) {
    const fresh = !ctx.memo.has("instance-spec");
    const spec = await specOf(ctx);
    // The reservation read with the spec (just now, not from an earlier step) spares placement its own read.
    const known = fresh ? { existing: spec.reserved } : {};
    const result = await placeAndReserve(ctx.db, spec.instance.id, placementRequest(spec), undefined, { excludeClusterIds: await exclude(ctx), ...known });
    if (!result.placed) throw new StepFailure(`no capacity: ${result.reason}`, { retryable: true });
    if (spec.instance.clusterId !== result.clusterId) {
      await ctx.db.update(instances).set({ clusterId: result.clusterId }).where(eq(instances.id, spec.instance.id));
      ctx.memo.set("instance-spec", { ...spec, instance: { ...spec.instance, clusterId: result.clusterId } });
    }
    return { clusterId: result.clusterId, nodes: result.nodes };
  },
  async compensate(ctx) {
    await releaseReservations(ctx.db, ctx.run.input.instanceId);
  },
});

export const placeStep = placeStepExcluding(() => []);

export const namespaceStep: Step = {
  name: "namespace",
  retry: k8sRetry,
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    const { plan } = spec;
    const replicas = Math.max(spec.instance.desiredReplicas, plan.replicas);
    await ensureInstanceNamespace(clients, {
      namespace: spec.instance.namespace,
      instanceId: spec.instance.id,
      orgId: spec.instance.orgId,
      // Room for a rolling update (one surge replica) on top of the replicas asked for.
      quota: { cpuMillis: plan.cpuMillis * (replicas + 1), memoryMb: plan.memoryMb * (replicas + 1), storageGb: Math.max(plan.storageGb * replicas, 1), pods: replicas * 2 + 2 },
    }, { reportChanges: false });
    return { namespace: spec.instance.namespace };
  },
  async compensate(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    await deleteInstanceNamespace(clients, spec.instance.namespace);
  },
};

export const credentialsStep: Step = {
  name: "credentials",
  retry: k8sRetry,
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    // Created first: on a first provision the Secret does not exist yet, so a read before would only answer 404.
    await ensureCredentialsSecret(clients, { namespace: spec.instance.namespace, secretName: spec.credentialsSecret }, { createFirst: true });
    // The values stay in the cluster's Secret; the portal reads them once on request.
    return { secretName: spec.credentialsSecret };
  },
};

/** Renders the version's template for the instance and applies it (server-side apply, field manager fleetplane). */
export async function applyWorkload(ctx: Ctx, replicas?: number) {
  const { spec, clients } = await specAndClients(ctx);
  const objects = await renderInstanceObjects(clients, spec, replicas === undefined ? {} : { replicas });
  await applyManifests(clients, objects, { reportChanges: false });
  return { objects: objects.length };
}

export const workloadStep: Step = { name: "workload", retry: k8sRetry, run: (ctx) => applyWorkload(ctx) };

export const waitReadyStep: Step = {
  name: "wait-ready",
  retry: { attempts: 3, backoffMs: 2_000, maxBackoffMs: 10_000, timeoutMs: 10 * 60_000 },
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    if (spec.instance.desiredReplicas === 0) return { readyReplicas: 0 };
    const status = await waitForWorkloadReady(clients, { namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind }, { timeoutMs: 9 * 60_000, signal: ctx.signal });
    if (!status.ready) throw new StepFailure(`not ready: ${status.reason}`, { retryable: true });
    return { readyReplicas: status.readyReplicas };
  },
};

export const endpointStep: Step = {
  name: "endpoint",
  retry: k8sRetry,
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    const endpoint = await readServiceEndpoint(clients, { namespace: spec.instance.namespace, name: spec.instance.name });
    await setObserved(ctx.db, spec.instance.id, { endpointHost: endpoint?.host ?? null, endpointPort: endpoint?.port ?? null });
    return { host: endpoint?.host ?? null, port: endpoint?.port ?? null };
  },
};

export const scaleStep = (name: string, replicas: (spec: InstanceSpec) => number): Step => ({
  name,
  retry: k8sRetry,
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    const n = replicas(spec);
    await scaleWorkload(clients, { namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind, replicas: n });
    return { replicas: n };
  },
});

/** Waits until the workload has no pods left (after a scale to zero), so "Stopped" means nothing answers. */
export const waitStoppedStep: Step = {
  name: "wait-stopped",
  retry: { attempts: 3, backoffMs: 2_000, maxBackoffMs: 10_000, timeoutMs: 5 * 60_000 },
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    const status = await waitForWorkloadReady(clients, { namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind }, { timeoutMs: 4 * 60_000, signal: ctx.signal });
    if (!status.ready) throw new StepFailure(`pods still stopping: ${status.reason}`, { retryable: true });
    return { stopped: true };
  },
};

export const deleteNamespaceStep: Step = {
  name: "delete-namespace",
  retry: { ...k8sRetry, timeoutMs: 5 * 60_000 },
  async run(ctx) {
    const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
    if (!spec.instance.clusterId) return { deleted: false };
    const clients = await clientsForCluster(ctx.db, spec.instance.clusterId);
    await deleteInstanceNamespace(clients, spec.instance.namespace);
    await waitForNamespaceGone(clients, spec.instance.namespace, 4 * 60_000);
    return { deleted: true };
  },
};

export const releaseStep: Step = {
  name: "release-capacity",
  retry: k8sRetry,
  async run(ctx) {
    return { released: await releaseReservations(ctx.db, ctx.run.input.instanceId) };
  },
};
