// Typed client for the kubesim admin API (/_kubesim/...): fault injection and inspection, for tests,
// chaos suites and scripts. Works against the admin port or any cluster port.
import type { Fault, FaultSpec } from "./faults";
import type { NodeSpec } from "./types";

export type { Fault, FaultSpec };

export interface AdminNodeInfo {
  name: string;
  down: boolean;
  ready: boolean;
}

export interface AdminClusterInfo {
  name: string;
  region: string;
  url: string;
  port: number;
  partitioned: boolean;
  resourceVersion: number;
  objects: number;
  watchers: number;
  nodes: AdminNodeInfo[];
  faults: Fault[];
}

export class KubesimAdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class KubesimAdminClient {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, "");
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/_kubesim${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON
      }
      throw new KubesimAdminError(res.status, `kubesim admin ${method} ${path}: ${res.status} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private c(cluster: string): string {
    return `/clusters/${encodeURIComponent(cluster)}`;
  }

  clusters(): Promise<AdminClusterInfo[]> {
    return this.call<{ clusters: AdminClusterInfo[] }>("GET", "/clusters").then((r) => r.clusters);
  }

  cluster(name: string): Promise<AdminClusterInfo> {
    return this.call("GET", this.c(name));
  }

  /** Stops the node's kubelet: NotReady after the grace period, pods evicted after the toleration. */
  nodeDown(cluster: string, node: string): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/nodes/${encodeURIComponent(node)}/down`);
  }

  nodeUp(cluster: string, node: string): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/nodes/${encodeURIComponent(node)}/up`);
  }

  addNode(cluster: string, node: NodeSpec): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/nodes`, node);
  }

  removeNode(cluster: string, node: string): Promise<void> {
    return this.call("DELETE", `${this.c(cluster)}/nodes/${encodeURIComponent(node)}`);
  }

  addFault(cluster: string, fault: FaultSpec): Promise<Fault> {
    return this.call("POST", `${this.c(cluster)}/faults`, fault);
  }

  /**
   * Pods matching every given filter crash and restart with growing back-off (CrashLoopBackOff). With
   * `image` (a glob: `*` any run of characters, `?` one), only containers whose image matches crash, so
   * e.g. `image: "*:2.0.0-bad"` hits the pods of a rollout to that tag and spares the old ones.
   */
  crashLoop(cluster: string, opts: { labelSelector?: string; namespace?: string; image?: string; exitCode?: number }): Promise<Fault> {
    return this.addFault(cluster, { type: "crashLoop", ...opts });
  }

  /** Images matching the glob pattern fail to pull (ErrImagePull, then ImagePullBackOff). */
  imagePullFailure(cluster: string, image: string, namespace?: string): Promise<Fault> {
    return this.addFault(cluster, { type: "imagePull", image, ...(namespace ? { namespace } : {}) });
  }

  /** A fraction of API requests fail with 500, or 429 with Retry-After. */
  apiErrors(cluster: string, opts: { rate: number; code?: 500 | 429; retryAfterSeconds?: number }): Promise<Fault> {
    return this.addFault(cluster, { type: "apiErrors", ...opts });
  }

  apiLatency(cluster: string, ms: number): Promise<Fault> {
    return this.addFault(cluster, { type: "latency", ms });
  }

  slowPodStart(cluster: string, delayMs: number, opts: { labelSelector?: string; namespace?: string } = {}): Promise<Fault> {
    return this.addFault(cluster, { type: "slowStart", delayMs, ...opts });
  }

  faults(cluster: string): Promise<Fault[]> {
    return this.call<{ faults: Fault[] }>("GET", `${this.c(cluster)}/faults`).then((r) => r.faults);
  }

  clearFault(cluster: string, id: string): Promise<void> {
    return this.call("DELETE", `${this.c(cluster)}/faults/${encodeURIComponent(id)}`);
  }

  clearFaults(cluster: string): Promise<void> {
    return this.call("DELETE", `${this.c(cluster)}/faults`);
  }

  /** Closes the cluster's API port (connections refused) until heal(). */
  partition(cluster: string): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/partition`);
  }

  heal(cluster: string): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/heal`);
  }

  /** Drops the watch history, so watches from older resourceVersions get 410 Expired. */
  compact(cluster: string): Promise<void> {
    return this.call("POST", `${this.c(cluster)}/compact`);
  }

  /** Ends every open watch of the cluster cleanly (like API server watch timeouts); clients re-watch. */
  closeWatches(cluster: string): Promise<{ closed: number }> {
    return this.call("POST", `${this.c(cluster)}/close-watches`);
  }

  /** Writes the state file now (when kubesim has one). */
  save(): Promise<void> {
    return this.call("POST", "/save");
  }
}
