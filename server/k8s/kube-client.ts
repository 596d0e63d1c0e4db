// Kubernetes clients for one cluster, built from its kubeconfig: the only way Fleetplane reaches a cluster.
import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi, type Configuration } from "@kubernetes/client-node";

export type KubeClients = { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api; version: VersionApi; serverUrl: string };

/** Parses a kubeconfig (YAML or JSON) and builds clients for its current context. Throws with a plain reason. */
export function createKubeClients(kubeconfig: string): KubeClients {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfig);
  } catch {
    throw new Error("the kubeconfig is not valid YAML or JSON");
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current context with a cluster");
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    version: kc.makeApiClient(VersionApi),
    serverUrl: cluster.server,
  };
}

export type { Configuration };
