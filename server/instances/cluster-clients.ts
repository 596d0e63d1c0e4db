// Kubernetes clients of the cluster an instance lives on, cached briefly per process (kubeconfigs are decrypted once).
import type { DbOrTx } from "@/db/client";
import { loadKubeconfig } from "@/server/clusters/cluster-credentials";
import { createKubeClients, type KubeClients } from "@/server/k8s/kube-client";

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; clients: Promise<KubeClients> }>();

export function clientsForCluster(db: DbOrTx, clusterId: string): Promise<KubeClients> {
  const hit = cache.get(clusterId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.clients;
  const clients = loadKubeconfig(db, clusterId).then(createKubeClients);
  cache.set(clusterId, { at: Date.now(), clients });
  clients.catch(() => cache.delete(clusterId));
  return clients;
}
