// The Kubernetes events of an instance's namespace, for its page (read live from the cluster).
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";
import { describeKubeError } from "@/server/k8s/describe-kube-error";
import { clientsForCluster } from "./cluster-clients";
import { listNamespaceEvents } from "./k8s/events";

export async function instanceEvents(db: Db, orgId: string, instanceId: string) {
  const [row] = await db.select().from(instances).where(and(eq(instances.id, instanceId), eq(instances.orgId, orgId)));
  if (!row) throw new DomainError("NOT_FOUND", "Instance not found");
  if (!row.clusterId) return { events: [], error: null };
  try {
    return { events: await listNamespaceEvents(await clientsForCluster(db, row.clusterId), row.namespace, 50), error: null };
  } catch (err) {
    return { events: [], error: `Events are not available right now: ${describeKubeError(err)}` };
  }
}
