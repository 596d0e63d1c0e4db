// Kubeconfig files for the simulated clusters: one per cluster and one with every context.
import YAML from "yaml";

export interface KubeconfigCluster {
  name: string;
  url: string;
  token: string;
}

function entries(c: KubeconfigCluster) {
  return {
    cluster: { name: c.name, cluster: { server: c.url, "insecure-skip-tls-verify": true } },
    user: { name: `${c.name}-admin`, user: { token: c.token } },
    context: { name: c.name, context: { cluster: c.name, user: `${c.name}-admin`, namespace: "default" } },
  };
}

/** Kubeconfig YAML with one context per cluster; the first is current. */
export function kubeconfigYaml(clusters: KubeconfigCluster[], current?: string): string {
  const e = clusters.map(entries);
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: e.map((x) => x.cluster),
    users: e.map((x) => x.user),
    contexts: e.map((x) => x.context),
    "current-context": current ?? clusters[0]?.name ?? "",
  });
}
