// Judging one instance's health on demand, straight from its cluster (its pods and their nodes), for a caller that
// cannot wait for the monitor's next view: an upgrade verifies the instance it just changed.
import type { V1Node } from "@kubernetes/client-node";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instanceHealth } from "@/db/schema";
import { isNodeReady } from "@/server/clusters/node-snapshot";
import type { KubeClients } from "@/server/k8s/kube-client";
import { judgeInstanceHealth, type HealthVerdict } from "./instance-health";
import { saveVerdict } from "./monitor";
import { healthSettings } from "./settings";

/** Reads the instance's pods and their nodes, judges them, stores the verdict as its health and returns it. */
export async function checkInstanceHealthNow(db: Db, clients: KubeClients, instance: { id: string; namespace: string; desiredReplicas: number }, now = new Date()): Promise<HealthVerdict> {
  const pods = (await clients.core.listNamespacedPod({ namespace: instance.namespace })).items;
  const nodeNames = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
  const nodes = await Promise.all(nodeNames.map((name) => clients.core.readNode({ name }).catch(() => undefined as V1Node | undefined)));
  const nodeReady = new Map(nodeNames.map((name, i) => [name, nodes[i] ? isNodeReady(nodes[i]!) : false] as const));
  const verdict = judgeInstanceHealth({ pods, nodeReady, desiredReplicas: instance.desiredReplicas, clusterReachable: true, now: now.getTime(), notReadyGraceMs: healthSettings().notReadyGraceMs });
  const [before] = await db.select().from(instanceHealth).where(eq(instanceHealth.instanceId, instance.id));
  await saveVerdict(db, instance.id, verdict, before, now);
  return verdict;
}
