// ResourceQuota status: recomputes `used` for each quota when something it counts changes in its namespace.
import { quotaUsage } from "../admission";
import type { SimContext } from "../context";
import { R } from "../resources";
import type { Loose } from "../types";
import { deepEqual } from "../util/json";
import { formatForResource } from "../util/quantity";
import { WorkQueue } from "./work-queue";

const COUNTED = new Set([R.pods, R.services, R.configmaps, R.secrets, R.pvcs, R.quotas]);

export class QuotaController {
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: SimContext) {
    this.queue = new WorkQueue("resourcequota", (ns) => this.recompute(ns));
    ctx.store.onChange((ev) => {
      const ns = ev.obj.metadata.namespace;
      if (!ns || !(COUNTED.has(ev.res) || ev.res.key.startsWith("count/"))) return;
      if (ev.res === R.quotas || ctx.store.count(R.quotas, ns) > 0) this.queue.add(ns);
    });
  }

  resync(): void {
    for (const ns of this.ctx.store.namespacesOf(R.quotas)) this.queue.add(ns);
  }

  private recompute(ns: string): void {
    for (const q of this.ctx.store.list(R.quotas, ns)) {
      if (q.metadata.deletionTimestamp) continue;
      const hard: Record<string, string> = q.spec?.hard ?? {};
      const used: Record<string, string> = {};
      for (const key of Object.keys(hard)) used[key] = formatForResource(key, quotaUsage(this.ctx.store, key, ns));
      const status: Loose = { hard: { ...hard }, used };
      if (!deepEqual(q.status, status)) this.ctx.objects.update(R.quotas, ns, q.metadata.name!, { ...q, status }, { internal: true, subresource: "status" });
    }
  }

  stop(): void {
    this.queue.stop();
  }
}
