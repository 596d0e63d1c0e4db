// Connects to a cluster the way every later call will (client-node), reads its version and nodes.
import { createKubeClients } from "@/server/k8s/kube-client";
import { describeKubeError } from "@/server/k8s/describe-kube-error";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { snapshotNode, type NodeSnapshot } from "./node-snapshot";

export type ProbeResult = { serverUrl: string; version: string; nodes: NodeSnapshot[] };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref())]);
}

/** Reads /version and lists nodes; BAD_REQUEST in plain words when the kubeconfig or the cluster is not usable. */
export async function probeCluster(kubeconfig: string, timeoutMs = 10_000): Promise<ProbeResult> {
  let clients;
  try {
    clients = createKubeClients(kubeconfig);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `Cannot use this kubeconfig: ${(err as Error).message}`, { field: "kubeconfig" });
  }
  try {
    const version = await withTimeout(clients.version.getCode(), timeoutMs);
    const nodes = await withTimeout(clients.core.listNode(), timeoutMs);
    return { serverUrl: clients.serverUrl, version: version.gitVersion, nodes: nodes.items.map(snapshotNode) };
  } catch (err) {
    log.warn("clusters", "probe failed", { server: clients.serverUrl, error: String((err as Error)?.message ?? err) });
    throw new DomainError("BAD_REQUEST", `Cannot reach the cluster at ${clients.serverUrl}: ${describeKubeError(err)}`, { field: "kubeconfig" });
  }
}
