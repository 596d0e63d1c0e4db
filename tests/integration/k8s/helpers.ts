// Shared setup for the instance Kubernetes tests: a kubesim cluster reached through Fleetplane's own client
// factory (exactly what workers use on a real cluster), and instance-like names.
import { randomUUID } from "node:crypto";
import type { Kubesim } from "@/kubesim/index";
import { createKubeClients, type KubeClients } from "@/server/k8s/kube-client";
import { startTestSim } from "../kubesim/helpers";

export { waitFor } from "../kubesim/helpers";

export async function startCluster(): Promise<{ sim: Kubesim; clients: KubeClients; cluster: string }> {
  const sim = await startTestSim({ podStartDelayMs: 20 });
  const cluster = sim.clusters[0]!;
  return { sim, clients: createKubeClients(cluster.kubeconfigYaml), cluster: cluster.name };
}

let counter = 0;
/** A fresh instance identity: id, name and namespace as the instances module forms them. */
export function newInstance(name = "web") {
  const instanceId = randomUUID();
  return { instanceId, orgId: randomUUID(), name, namespace: `fp-${instanceId.slice(0, 8)}-${name}-${++counter}` };
}

/** GET http://host:port/ and the status, or the connection error's code. */
export async function httpGet(endpoint: { host: string; port: number }): Promise<{ status: number; body: unknown } | { error: string }> {
  try {
    const res = await fetch(`http://${endpoint.host}:${endpoint.port}/`, { signal: AbortSignal.timeout(2_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? String(err) };
  }
}
