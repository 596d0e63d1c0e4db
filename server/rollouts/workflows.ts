// Release workflows: one instance's upgrade (instance-upgrade) — record the version, optionally snapshot the
// volumes, apply the new manifests, roll the pods onto it with a stop at the first crash, verify health — and,
// registered from rollout-workflow.ts, the fleet rollout of waves and its rollback. Cancelling an upgrade (or a
// failed one) undoes it: the instance goes back to the version it ran, its pods with it.
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { instances, rolloutTargets, serviceVersions, workflowRuns, workflowSteps } from "@/db/schema";
import { checkInstanceHealthNow } from "@/server/health/check-instance-now";
import { clientsForCluster } from "@/server/instances/cluster-clients";
import { loadInstanceSpec, type InstanceSpec } from "@/server/instances/instance-spec";
import { waitForWorkloadReady } from "@/server/instances/k8s/readiness";
import { setObserved } from "@/server/instances/observe";
import { registerWorkflow } from "@/server/workflows/registry";
import { StepFailure, type StepContext, type StepDefinition } from "@/server/workflows/types";
import { applyVersion, rollDeployment, rollStatefulSet, snapshotVolumes, waitForOnlyImage } from "./k8s/roll-version";
// The rollout and rollback runs register with the upgrade (workers import this one module).
import "./rollout-workflow";

import { ROLLOUT_WORKFLOWS } from "./workflow-names";

export { ROLLOUT_WORKFLOWS };

export const upgradeInputSchema = z.object({
  instanceId: z.uuid(),
  fromVersionId: z.uuid(),
  toVersionId: z.uuid(),
  purpose: z.enum(["upgrade", "rollback"]).default("upgrade"),
  rolloutId: z.uuid().optional(),
});
export type UpgradeInput = z.input<typeof upgradeInputSchema>;
type Input = z.output<typeof upgradeInputSchema>;
type Ctx = StepContext<Input>;

const k8sRetry = { attempts: 6, backoffMs: 1_000, maxBackoffMs: 30_000, timeoutMs: 60_000 };
/** How long the new pods may take to become ready (a crash loop or a failed pull stops it at once). */
const READY_TIMEOUT_MS = 8 * 60_000;

/** What the first step saw: the version the instance ran and whether its pods were up (sleeping, stopped: no). */
type Before = { previousVersionId: string; observedBefore: string; replicas: number };

async function versionRow(db: Db, id: string) {
  const [v] = await db.select().from(serviceVersions).where(eq(serviceVersions.id, id));
  if (!v) throw new StepFailure("the version no longer exists", { retryable: false });
  return v;
}

async function before(ctx: Ctx): Promise<Before> {
  const out = (await ctx.output("start")) as Before | undefined;
  if (!out) throw new StepFailure("the upgrade's first step left no record", { retryable: false });
  return out;
}

async function specAndClients(ctx: Ctx) {
  const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
  if (!spec.instance.clusterId) throw new StepFailure("the instance has no cluster assigned", { retryable: false });
  return { spec, clients: await clientsForCluster(ctx.db, spec.instance.clusterId) };
}

const ref = (spec: InstanceSpec) => ({ namespace: spec.instance.namespace, name: spec.instance.name, kind: spec.workloadKind });
/** StatefulSets with more than one replica are replaced pod by pod (the partition holds the rest). */
const podByPod = (spec: InstanceSpec, b: Before) => spec.workloadKind === "StatefulSet" && b.replicas > 1;

const startStep: StepDefinition<Input> = {
  name: "start",
  retry: k8sRetry,
  async run(ctx) {
    // A retry finds its own record (the version is already the new one by then).
    const earlier = (await ctx.output("start")) as Before | undefined;
    if (earlier) return earlier;
    const spec = await loadInstanceSpec(ctx.db, ctx.run.input.instanceId);
    const up = spec.instance.desiredState === "running" && spec.instance.observedState !== "sleeping" && spec.instance.observedState !== "stopped";
    const b: Before = { previousVersionId: spec.instance.versionId, observedBefore: up ? "running" : spec.instance.observedState, replicas: up ? spec.instance.desiredReplicas : 0 };
    const target = await versionRow(ctx.db, ctx.run.input.toVersionId);
    await ctx.db.update(instances).set({ versionId: target.id, updatedAt: new Date() }).where(eq(instances.id, spec.instance.id));
    if (up) await setObserved(ctx.db, spec.instance.id, { observedState: "updating", statusMessage: `${ctx.run.input.purpose === "rollback" ? "rolling back" : "upgrading"} to ${target.version}` });
    return b;
  },
  // Undo: the instance goes back to the version it ran, its pods too (a StatefulSet one pod at a time).
  async compensate(ctx) {
    const b = (await ctx.output("start")) as Before | undefined;
    if (!b) return;
    await ctx.db.update(instances).set({ versionId: b.previousVersionId, updatedAt: new Date() }).where(eq(instances.id, ctx.run.input.instanceId));
    const { spec, clients } = await specAndClients(ctx);
    await applyVersion(clients, spec, spec.version, { replicas: b.replicas });
    if (b.replicas === 0) return;
    const status = await waitForWorkloadReady(clients, ref(spec), { timeoutMs: READY_TIMEOUT_MS, signal: ctx.signal });
    if (!status.ready) throw new StepFailure(`the previous version is not ready again: ${status.reason}`, { retryable: true });
    await waitForOnlyImage(clients, spec.instance.namespace, spec.version.image, { timeoutMs: 2 * 60_000, signal: ctx.signal });
  },
};

const snapshotStep: StepDefinition<Input> = {
  name: "snapshot",
  retry: { ...k8sRetry, timeoutMs: 10 * 60_000 },
  async run(ctx) {
    const { spec, clients } = await specAndClients(ctx);
    if (spec.service.kind !== "stateful" || !spec.version.snapshotBeforeUpgrade || ctx.run.input.purpose === "rollback") return { snapshots: [] };
    const snapshots = await snapshotVolumes(clients, spec.instance.namespace, ctx.run.id.slice(0, 8), { timeoutMs: 9 * 60_000, signal: ctx.signal });
    return { snapshots };
  },
};

const applyStep: StepDefinition<Input> = {
  name: "apply",
  retry: k8sRetry,
  async run(ctx) {
    const b = await before(ctx);
    const { spec, clients } = await specAndClients(ctx);
    // Pod by pod: the new template is applied with every pod held on the old one; the roll step releases them one
    // by one (lowering the partition), so a retry of this step, which runs before any release, holds them all again.
    await applyVersion(clients, spec, spec.version, { replicas: b.replicas, ...(podByPod(spec, b) ? { holdPartition: b.replicas } : {}) });
    return { image: spec.version.image, replicas: b.replicas };
  },
};

const rollStep: StepDefinition<Input> = {
  name: "roll-pods",
  retry: { attempts: 3, backoffMs: 2_000, maxBackoffMs: 10_000, timeoutMs: 30 * 60_000 },
  async run(ctx) {
    const b = await before(ctx);
    if (b.replicas === 0) return { replaced: 0, note: "no pods run now: they start on the new version" };
    const { spec, clients } = await specAndClients(ctx);
    const image = spec.version.image;
    if (podByPod(spec, b)) {
      const gateMs = spec.version.replicaGateSeconds * 1000;
      const { replaced } = await rollStatefulSet(clients, ref(spec), image, {
        replicas: b.replicas,
        gateMs,
        podTimeoutMs: READY_TIMEOUT_MS,
        signal: ctx.signal,
        apply: (partition) => applyVersion(clients, spec, spec.version, { replicas: b.replicas, holdPartition: partition }),
      });
      return { replaced, gateSeconds: spec.version.replicaGateSeconds };
    }
    return rollDeployment(clients, ref(spec), image, { timeoutMs: READY_TIMEOUT_MS, signal: ctx.signal });
  },
};

const verifyStep: StepDefinition<Input> = {
  name: "verify",
  retry: k8sRetry,
  async run(ctx) {
    const b = await before(ctx);
    if (b.replicas === 0) return { health: "not running" };
    const { spec, clients } = await specAndClients(ctx);
    const verdict = await checkInstanceHealthNow(ctx.db, clients, { id: spec.instance.id, namespace: spec.instance.namespace, desiredReplicas: b.replicas });
    if (verdict.status !== "healthy") throw new StepFailure(`not healthy on the new version: ${verdict.detail ?? verdict.status}`, { retryable: false });
    return { health: verdict.status, readyReplicas: verdict.readyReplicas };
  },
};

/** The outcome of an upgrade run, as its rollout target records it (none for an upgrade outside a rollout). */
async function recordTarget(db: Db, run: { id: string; input: Input }, status: "succeeded" | "failed" | "cancelled", error: string | null): Promise<void> {
  if (!run.input.rolloutId) return;
  const rollback = run.input.purpose === "rollback";
  const next =
    status === "succeeded" ? (rollback ? "rolled_back" : "done")
    : status === "failed" ? "failed"
    // Cancelled: undone (its instance runs the version it ran before). A failed upgrade the rollout undid stays failed.
    : null;
  const detail = status === "failed" ? (rollback ? `rollback failed: ${error}` : error) : status === "cancelled" ? "undone: runs the version it ran before" : null;
  await db
    .update(rolloutTargets)
    .set({
      ...(next ? { status: next } : {}),
      detail: sql`case when ${rolloutTargets.status} = 'failed' and ${status} = 'cancelled' then ${rolloutTargets.detail} || ' (undone)' else ${detail} end`,
      finishedAt: new Date(),
      upgradeMs: sql`(select (extract(epoch from (now() - r.created_at)) * 1000)::int from ${workflowRuns} r where r.id = ${run.id})`,
      updatedAt: new Date(),
    })
    .where(and(eq(rolloutTargets.rolloutId, run.input.rolloutId), eq(rolloutTargets.instanceId, run.input.instanceId), eq(rolloutTargets.runId, run.id)));
  if (status === "cancelled") {
    // Cancelled while it still waited or mid-way, the target did not get the version: it is skipped, not failed.
    await db
      .update(rolloutTargets)
      .set({ status: "skipped" })
      .where(and(eq(rolloutTargets.rolloutId, run.input.rolloutId), eq(rolloutTargets.instanceId, run.input.instanceId), eq(rolloutTargets.runId, run.id), sql`${rolloutTargets.status} in ('in_progress', 'rolling_back')`));
  }
}

registerWorkflow<Input>({
  type: ROLLOUT_WORKFLOWS.upgrade,
  title: "Upgrade to a new version",
  input: upgradeInputSchema as unknown as z.ZodType<Input>,
  steps: [startStep, snapshotStep, applyStep, rollStep, verifyStep],
  async onFinish({ db, run, status, error }) {
    const [first] = await db.select({ output: workflowSteps.output }).from(workflowSteps).where(and(eq(workflowSteps.runId, run.id), eq(workflowSteps.index, 0)));
    const b = first?.output as Before | undefined;
    const state = (b?.observedBefore ?? "running") as "running" | "sleeping" | "stopped";
    if (status === "succeeded") await setObserved(db, run.input.instanceId, { observedState: state, observedReplicas: state === "running" ? "desired" : 0, statusMessage: null });
    else if (status === "failed") await setObserved(db, run.input.instanceId, { observedState: "failed", statusMessage: `upgrade failed: ${error}` });
    else if (b) await setObserved(db, run.input.instanceId, { observedState: state, statusMessage: "the upgrade was undone; the instance runs the version it ran before" });
    await recordTarget(db, run, status, error);
  },
});
