// Upgrading one instance to another version of its service as a workflow (instance-upgrade): started by a
// customer or operator for one instance, by a rollout for each of its targets, or to roll one back. The version
// is recorded by the run's first step (not by the request), so runs queued ahead still deploy the old one.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db/client";
import { instances, serviceVersions } from "@/db/schema";
import type { ActorContext } from "@/server/auth/actor";
import { assertNotSuspended } from "@/server/billing/entitlements";
import { DomainError } from "@/server/errors/domain-error";
import { publishInstanceChange } from "@/server/instances/instance-events";
import { createRun } from "@/server/workflows/runs";
import { inTransaction, type Due } from "@/server/workflows/transitions";
import { ROLLOUT_WORKFLOWS } from "./workflow-names";
// Runs are created here, so their definitions must be registered in this process too (the portal, not only workers).
import "./workflows";
import type { UpgradeInput } from "./workflows";

export const upgradeInstanceInput = z.object({ orgId: z.uuid(), instanceId: z.uuid(), versionId: z.uuid() });

type InstanceRow = typeof instances.$inferSelect;
type VersionRow = typeof serviceVersions.$inferSelect;

/**
 * Starts an upgrade run of a locked instance row to `version`, in the caller's transaction. `purpose` rollback
 * returns it to the version it ran before a rollout.
 */
export async function startUpgradeRun(tx: Tx, due: Due, ctx: ActorContext, row: InstanceRow, version: VersionRow, opts: { rolloutId?: string; purpose?: "upgrade" | "rollback" } = {}) {
  if (version.serviceId !== row.serviceId) throw new DomainError("NOT_FOUND", "This version is not available for this instance", { field: "versionId" });
  if (row.deletedAt || row.desiredState === "deleted") throw new DomainError("PRECONDITION_FAILED", "This instance is being deleted");
  const purpose = opts.purpose ?? "upgrade";
  const input: UpgradeInput = { instanceId: row.id, fromVersionId: row.versionId, toVersionId: version.id, purpose, ...(opts.rolloutId ? { rolloutId: opts.rolloutId } : {}) };
  const audit = { orgId: row.orgId, action: purpose === "rollback" ? "instances.rollback" : "instances.upgrade", targetType: "instance", targetId: row.id, details: { toVersion: version.version, rolloutId: opts.rolloutId ?? null } };
  return createRun(tx, due, ctx, { type: ROLLOUT_WORKFLOWS.upgrade, subjectType: "instance", subjectId: row.id, orgId: row.orgId, input }, { audits: [audit] });
}

/** Locks an instance of the organization for a change (NOT_FOUND for another organization's). */
export async function lockInstanceRow(tx: Tx, orgId: string | null, instanceId: string): Promise<InstanceRow> {
  const where = orgId ? and(eq(instances.id, instanceId), eq(instances.orgId, orgId)) : eq(instances.id, instanceId);
  const [row] = await tx.select().from(instances).where(where).for("update");
  if (!row || row.deletedAt) throw new DomainError("NOT_FOUND", "Instance not found");
  return row;
}

/** Moves an instance to `versionId` (a version of its own service), as a workflow. */
export async function upgradeInstance(db: Db, ctx: ActorContext, input: z.infer<typeof upgradeInstanceInput>) {
  const result = await inTransaction(db, async (tx, due) => {
    const row = await lockInstanceRow(tx, input.orgId, input.instanceId);
    const [version] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, input.versionId));
    if (!version || version.serviceId !== row.serviceId) throw new DomainError("NOT_FOUND", "This version is not available for this instance", { field: "versionId" });
    if (version.id === row.versionId) throw new DomainError("PRECONDITION_FAILED", `The instance already runs version ${version.version}`);
    if (row.desiredState === "deleted") throw new DomainError("PRECONDITION_FAILED", "This instance is being deleted");
    await assertNotSuspended(tx, row.orgId);
    const run = await startUpgradeRun(tx, due, ctx, row, version);
    return { runId: run.id, status: run.status };
  });
  await publishInstanceChange(input.instanceId);
  return result;
}
