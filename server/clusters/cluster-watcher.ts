// Watches nodes, pods and namespaces of every registered cluster (client-node informers) and stores the
// capacity view shortly after each change; the periodic full resync in the workers covers missed events.
import { makeInformer, type Informer, type KubernetesObject, type ObjectCache, type V1Namespace, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { clusters } from "@/db/schema";
import { createKubeClients } from "@/server/k8s/kube-client";
import { describeKubeError } from "@/server/k8s/describe-kube-error";
import { log } from "@/server/log";
import { loadKubeconfig } from "./cluster-credentials";
import { markUnreachable, storeClusterView } from "./capacity-sync";

type Watched = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/** Writes at most once per this interval per cluster, however many events arrive. */
const DEBOUNCE_MS = 500;
const RESTART_DELAY_MS = 5_000;

class ClusterWatch {
  private informers: { nodes: Watched; pods: Watched; namespaces: Watched } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly clusterId: string,
  ) {}

  async start(): Promise<void> {
    const { kc, core } = createKubeClients(await loadKubeconfig(this.db, this.clusterId));
    const nodes = makeInformer(kc, "/api/v1/nodes", () => core.listNode()) as unknown as Watched;
    const pods = makeInformer(kc, "/api/v1/pods", () => core.listPodForAllNamespaces()) as unknown as Watched;
    const namespaces = makeInformer(kc, "/api/v1/namespaces", () => core.listNamespace()) as unknown as Watched;
    this.informers = { nodes, pods, namespaces };
    for (const informer of [nodes, pods, namespaces]) {
      for (const verb of ["add", "update", "delete"] as const) informer.on(verb, () => this.schedule());
      informer.on("error", (err) => this.onError(informer, err));
    }
    await Promise.all([nodes.start(), pods.start(), namespaces.start()]);
    this.schedule();
  }

  private onError(informer: Watched, err: unknown): void {
    if (this.stopped) return;
    const reason = describeKubeError(err);
    log.warn("clusters", "watch failed; restarting", { clusterId: this.clusterId, reason });
    void markUnreachable(this.db, this.clusterId, reason).catch(() => {});
    setTimeout(() => {
      if (!this.stopped) informer.start().catch(() => {});
    }, RESTART_DELAY_MS).unref();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.store()).catch((err) => log.error("clusters", "storing watched view failed", { clusterId: this.clusterId, error: String(err) }));
    }, DEBOUNCE_MS);
  }

  private async store(): Promise<void> {
    if (!this.informers || this.stopped) return;
    await storeClusterView(this.db, this.clusterId, {
      nodes: this.informers.nodes.list() as V1Node[],
      pods: this.informers.pods.list() as V1Pod[],
      namespaces: this.informers.namespaces.list() as V1Namespace[],
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(Object.values(this.informers ?? {}).map((i) => i.stop().catch(() => {})));
    await this.writing;
  }
}

/** Keeps one watch per registered cluster: starts new ones, stops removed ones. Call periodically. */
export class FleetWatcher {
  private readonly watches = new Map<string, ClusterWatch>();
  constructor(private readonly db: Db) {}

  async reconcile(): Promise<void> {
    const ids = new Set((await this.db.select({ id: clusters.id }).from(clusters)).map((r) => r.id));
    for (const [id, watch] of this.watches) {
      if (!ids.has(id)) {
        this.watches.delete(id);
        await watch.stop();
      }
    }
    for (const id of ids) {
      if (this.watches.has(id)) continue;
      const watch = new ClusterWatch(this.db, id);
      this.watches.set(id, watch);
      watch.start().catch(async (err) => {
        log.warn("clusters", "could not start watching", { clusterId: id, reason: describeKubeError(err) });
        this.watches.delete(id);
        await watch.stop();
        const [exists] = await this.db.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, id));
        if (exists) await markUnreachable(this.db, id, describeKubeError(err)).catch(() => {});
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    this.watches.clear();
  }

  get size(): number {
    return this.watches.size;
  }
}
