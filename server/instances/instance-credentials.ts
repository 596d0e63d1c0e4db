// Credentials of an instance: generated into a Secret in its namespace, shown to the user once.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { describeKubeError } from "@/server/k8s/describe-kube-error";
import { clientsForCluster } from "./cluster-clients";
import { loadInstanceSpec } from "./instance-spec";

/** Returns the credentials the first time only; afterwards PRECONDITION_FAILED (rotate by recreating the instance). */
export async function revealCredentials(db: Db, ctx: ActorContext, orgId: string, instanceId: string) {
  const spec = await loadInstanceSpec(db, instanceId);
  if (spec.instance.orgId !== orgId || spec.instance.deletedAt) throw new DomainError("NOT_FOUND", "Instance not found");
  if (spec.instance.credentialsRevealedAt) throw new DomainError("PRECONDITION_FAILED", "The credentials were already shown once and are not shown again");
  if (!spec.instance.clusterId) throw new DomainError("PRECONDITION_FAILED", "The instance is not placed yet");
  let data: Record<string, string> | undefined;
  try {
    const clients = await clientsForCluster(db, spec.instance.clusterId);
    data = (await clients.core.readNamespacedSecret({ name: spec.credentialsSecret, namespace: spec.instance.namespace })).data;
  } catch (err) {
    if ((err as { code?: number }).code === 404) throw new DomainError("PRECONDITION_FAILED", "The credentials are not created yet; try again when the instance is provisioned");
    throw new DomainError("PRECONDITION_FAILED", `Cannot read the credentials now: ${describeKubeError(err)}`);
  }
  const decode = (v?: string) => (v ? Buffer.from(v, "base64").toString("utf8") : "");
  // Mark first, in a transaction that wins only once, so two concurrent requests cannot both see them.
  const shown = await db.transaction(async (tx) => {
    const updated = await tx
      .update(instances)
      .set({ credentialsRevealedAt: new Date() })
      .where(and(eq(instances.id, instanceId), isNull(instances.credentialsRevealedAt)))
      .returning({ id: instances.id });
    if (updated.length) await recordAudit(tx, ctx, { orgId, action: "instances.reveal_credentials", targetType: "instance", targetId: instanceId });
    return updated.length > 0;
  });
  if (!shown) throw new DomainError("PRECONDITION_FAILED", "The credentials were already shown once and are not shown again");
  return { username: decode(data?.username), password: decode(data?.password), secretName: spec.credentialsSecret };
}
