// Shared helpers for kubesim tests: start a small simulation with fast timers, client-node clients
// for a cluster, polling with timeouts, and Status bodies of ApiExceptions.
import * as k8s from "@kubernetes/client-node";
import { startKubesim, type Kubesim, type KubesimOptions } from "../../../kubesim/index";

export const FAST_TIMERS = {
  heartbeatMs: 100,
  nodeGraceMs: 600,
  evictionTimeoutMs: 600,
  podTerminationMs: 20,
  backoffBaseMs: 100,
  backoffMaxMs: 400,
  bookmarkMs: 200,
  schedulerRetryMs: 500,
};

export async function startTestSim(overrides: Partial<KubesimOptions> = {}): Promise<Kubesim> {
  return startKubesim({
    clusters: [{ name: "test", region: "eu-west-1", nodeCount: 3, nodeShape: { cpu: "4", memory: "16Gi", pods: 110 } }],
    podStartDelayMs: 20,
    timers: FAST_TIMERS,
    freezeObjects: true,
    ...overrides,
  });
}

export interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  net: k8s.NetworkingV1Api;
  coord: k8s.CoordinationV1Api;
  objects: k8s.KubernetesObjectApi;
}

export function clientsFor(sim: Kubesim, cluster = sim.clusters[0]!.name): Clients {
  const c = sim.clusters.find((x) => x.name === cluster)!;
  const kc = new k8s.KubeConfig();
  kc.loadFromString(c.kubeconfigYaml);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    net: kc.makeApiClient(k8s.NetworkingV1Api),
    coord: kc.makeApiClient(k8s.CoordinationV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Polls until fn returns a truthy value (or stops throwing), failing after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field?: string }[] };
}

/** Runs fn expecting an ApiException; returns its code and parsed Status body. */
export async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; status: StatusBody; headers: Record<string, string> }> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body = typeof e.body === "string" ? (JSON.parse(e.body) as StatusBody) : (e.body as StatusBody);
      return { code: e.code, status: body, headers: e.headers };
    }
    throw e;
  }
  throw new Error("expected the call to fail");
}

export function podSpec(name = "app", image = "nginx:1.27", requests?: { cpu?: string; memory?: string }): k8s.V1PodSpec {
  return { containers: [{ name, image, ...(requests ? { resources: { requests } } : {}) }] };
}

export function deployment(name: string, replicas: number, extra: Partial<k8s.V1DeploymentSpec> = {}, image = "nginx:1.27"): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec("web", image, { cpu: "100m", memory: "64Mi" }) },
      ...extra,
    },
  };
}

export const { PatchStrategy, setHeaderOptions } = k8s;

let nsCounter = 0;
const created = new Set<string>();
export async function freshNamespace(c: Clients, prefix = "t"): Promise<string> {
  const name = `${prefix}-${process.pid}-${++nsCounter}`;
  await c.core.createNamespace({ body: { metadata: { name } } });
  created.add(name);
  return name;
}

/** Deletes the namespaces freshNamespace made and waits until they are gone (frees node capacity). */
export async function cleanupNamespaces(c: Clients): Promise<void> {
  const names = [...created];
  created.clear();
  for (const name of names) await c.core.deleteNamespace({ name }).catch(() => undefined);
  await waitFor("namespaces deleted", async () => {
    const left = (await c.core.listNamespace()).items.filter((n) => names.includes(n.metadata!.name!));
    return left.length === 0;
  });
}
