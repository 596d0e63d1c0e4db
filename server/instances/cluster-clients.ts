// Kubernetes clients of the cluster an instance lives on, cached briefly per process (kubeconfigs are decrypted once).
import http from "node:http";
import https from "node:https";
import type { DbOrTx } from "@/db/client";
import { loadKubeconfig } from "@/server/clusters/cluster-credentials";
import { createKubeClients, type KubeClients } from "@/server/k8s/kube-client";

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; clients: Promise<KubeClients> }>();

/**
 * client-node 1.4 builds a new Agent for every request, so every call opens a new connection (and a new TLS
 * handshake on real clusters). The agent's options depend only on the kubeconfig, so one keep-alive agent per
 * KubeConfig serves every request the same way.
 */
type AgentFactory = { createAgent(cluster: unknown, options: https.AgentOptions): http.Agent };

function reuseConnections(clients: KubeClients): KubeClients {
  // createAgent is private in client-node's typings; it is what every request and watch goes through.
  const kc = clients.kc as unknown as AgentFactory;
  const build = kc.createAgent.bind(kc);
  let agent: http.Agent | undefined;
  kc.createAgent = (cluster, options) => {
    if (agent) return agent;
    const built = build(cluster, options);
    // Proxy agents keep their own connection handling; plain ones are rebuilt with keep-alive. An idle socket is
    // closed before the server's keep-alive hint (Node's agent reads `Keep-Alive: timeout=`), else after 30 s.
    if (built.constructor === http.Agent) agent = new http.Agent({ ...options, keepAlive: true, timeout: 30_000 });
    else if (built.constructor === https.Agent) agent = new https.Agent({ ...options, keepAlive: true, timeout: 30_000 });
    else return built;
    return agent;
  };
  return clients;
}

export function clientsForCluster(db: DbOrTx, clusterId: string): Promise<KubeClients> {
  const hit = cache.get(clusterId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.clients;
  const clients = loadKubeconfig(db, clusterId).then(createKubeClients).then(reuseConnections);
  cache.set(clusterId, { at: Date.now(), clients });
  clients.catch(() => cache.delete(clusterId));
  return clients;
}
