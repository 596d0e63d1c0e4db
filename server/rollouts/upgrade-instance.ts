// Upgrading one instance to another version of its service: the version is recorded as desired in the request's
// transaction, then a workflow applies the new version's manifests (server-side apply) and waits until ready.
// Deployments roll their pods; StatefulSets replace one pod at a time and wait for it to be Ready before the next.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { instances, serviceVersions } from "@/db/schema";
import type { ActorContext } from "@/server/auth/actor";
import { assertNotSuspended } from "@/server/billing/entitlements";
import { DomainError } from "@/server/errors/domain-error";
import { changeAndRun } from "@/server/instances/instances";
import { ROLLOUT_WORKFLOWS } from "./workflows";

export const upgradeInstanceInput = z.object({ orgId: z.uuid(), instanceId: z.uuid(), versionId: z.uuid() });

/** Moves an instance to `versionId` (a version of its own service), as a workflow. */
export async function upgradeInstance(db: Db, ctx: ActorContext, input: z.infer<typeof upgradeInstanceInput>) {
  return changeAndRun(db, ctx, input.orgId, input.instanceId, "instances.upgrade", ROLLOUT_WORKFLOWS.upgrade, async (tx, row) => {
    const [version] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, input.versionId));
    if (!version || version.serviceId !== row.serviceId) throw new DomainError("NOT_FOUND", "This version is not available for this instance", { field: "versionId" });
    if (version.id === row.versionId) throw new DomainError("PRECONDITION_FAILED", `The instance already runs version ${version.version}`);
    if (row.desiredState !== "running") throw new DomainError("PRECONDITION_FAILED", "Start the instance before upgrading it");
    await assertNotSuspended(tx, row.orgId);
    await tx.update(instances).set({ versionId: version.id, updatedAt: new Date() }).where(eq(instances.id, row.id));
    return { fromVersionId: row.versionId, toVersionId: version.id, toVersion: version.version };
  });
}
