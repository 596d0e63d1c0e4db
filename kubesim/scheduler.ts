// Scheduler: binds pending pods to Ready nodes where requests fit allocatable (cpu, memory, pod count),
// nodeSelector / required node affinity match, NoSchedule/NoExecute taints are tolerated and required pod
// anti-affinity holds; otherwise Pending + PodScheduled=False/Unschedulable + FailedScheduling, retried
// whenever capacity changes.
import type { SimContext } from "./context";
import { nsName, splitKey } from "./controllers/work-queue";
import { R } from "./resources";
import { labelSelectorMatcher } from "./selectors";
import type { StoreEvent } from "./store";
import type { KObject, Loose, Taint } from "./types";
import { clone, nowIso } from "./util/json";
import { isPodTerminal, podAmounts } from "./util/pods";
import { cpuMillis, parseQuantity } from "./util/quantity";

/** Per-drain digest of a node, so a burst of pods does not re-parse every node for every pod. */
interface NodeInfo {
  node: KObject;
  name: string;
  ready: boolean;
  taints: Taint[];
  cpuCap: number;
  memCap: number;
  podCap: number;
}

function nodeInfo(node: KObject): NodeInfo {
  const alloc = node.status?.allocatable ?? {};
  return {
    node,
    name: node.metadata.name!,
    ready: nodeReady(node),
    taints: (node.spec?.taints ?? []).filter((t: Taint) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
    cpuCap: cpuMillis(alloc.cpu),
    memCap: parseQuantity(alloc.memory),
    podCap: Number(alloc.pods ?? 110),
  };
}

interface Usage {
  cpu: number;
  memory: number;
  pods: number;
  podKeys: Set<string>;
}

function counts(p: KObject | undefined): boolean {
  return !!p && !!p.spec?.nodeName && !isPodTerminal(p);
}

export function tolerates(tolerations: Loose[] | undefined, taint: Taint): boolean {
  for (const t of tolerations ?? []) {
    if (t.effect && t.effect !== taint.effect) continue;
    if (t.operator === "Exists") {
      if (!t.key || t.key === taint.key) return true;
    } else if (t.key === taint.key && (t.value ?? "") === (taint.value ?? "")) return true;
  }
  return false;
}

function nodeReady(n: KObject): boolean {
  return (n.status?.conditions ?? []).some((c: Loose) => c.type === "Ready" && c.status === "True");
}

function matchesNodeAffinity(pod: KObject, node: KObject): boolean {
  const labels: Record<string, string> = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const terms: Loose[] | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((e: Loose) => {
      const v = labels[e.key];
      switch (e.operator) {
        case "In":
          return v !== undefined && (e.values ?? []).includes(v);
        case "NotIn":
          return v === undefined || !(e.values ?? []).includes(v);
        case "Exists":
          return v !== undefined;
        case "DoesNotExist":
          return v === undefined;
        case "Gt":
          return v !== undefined && Number(v) > Number(e.values?.[0]);
        case "Lt":
          return v !== undefined && Number(v) < Number(e.values?.[0]);
        default:
          return false;
      }
    }),
  );
}

export class Scheduler {
  private readonly usage = new Map<string, Usage>();
  private readonly active = new Set<string>();
  private readonly unschedulable = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private readonly retryTimer: NodeJS.Timeout;

  constructor(private readonly ctx: SimContext) {
    ctx.store.onChange((ev) => this.observe(ev));
    this.retryTimer = setInterval(() => this.retryUnschedulable(), ctx.timers.schedulerRetryMs);
    this.retryTimer.unref?.();
  }

  /** Rebuilds usage from stored pods (after loading saved state) and queues unbound pods. */
  resync(): void {
    this.usage.clear();
    for (const p of this.ctx.store.list(R.pods)) {
      if (counts(p)) this.account(p, 1);
      else if (this.wants(p)) this.enqueue(nsName(p.metadata.namespace, p.metadata.name!));
    }
  }

  private u(node: string): Usage {
    let x = this.usage.get(node);
    if (!x) {
      x = { cpu: 0, memory: 0, pods: 0, podKeys: new Set() };
      this.usage.set(node, x);
    }
    return x;
  }

  private account(p: KObject, sign: 1 | -1): void {
    const a = podAmounts(p);
    const x = this.u(p.spec.nodeName);
    x.cpu += sign * a.cpu;
    x.memory += sign * a.memory;
    x.pods += sign;
    const key = nsName(p.metadata.namespace, p.metadata.name!);
    if (sign > 0) x.podKeys.add(key);
    else x.podKeys.delete(key);
  }

  private wants(p: KObject): boolean {
    return !p.spec?.nodeName && !p.metadata.deletionTimestamp && (p.spec?.schedulerName ?? "default-scheduler") === "default-scheduler" && !isPodTerminal(p);
  }

  private observe(ev: StoreEvent): void {
    if (ev.res === R.pods) {
      const before = counts(ev.prev);
      const after = ev.type !== "DELETED" && counts(ev.obj);
      if (before) this.account(ev.prev!, -1);
      if (after) this.account(ev.obj, 1);
      const key = nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!);
      if (ev.type === "DELETED") {
        this.active.delete(key);
        this.unschedulable.delete(key);
      } else if (this.wants(ev.obj) && !this.unschedulable.has(key)) this.enqueue(key);
      if (before && !after) this.retryUnschedulable();
    } else if (ev.res === R.nodes) {
      if (ev.type === "DELETED") this.usage.delete(ev.obj.metadata.name!);
      const prev = ev.prev;
      if (
        !prev ||
        ev.type === "DELETED" ||
        nodeReady(prev) !== nodeReady(ev.obj) ||
        JSON.stringify(prev.spec) !== JSON.stringify(ev.obj.spec) ||
        JSON.stringify(prev.status?.allocatable) !== JSON.stringify(ev.obj.status?.allocatable) ||
        JSON.stringify(prev.metadata.labels) !== JSON.stringify(ev.obj.metadata.labels)
      )
        this.retryUnschedulable();
    }
  }

  retryUnschedulable(): void {
    if (this.unschedulable.size === 0) return;
    for (const k of this.unschedulable) this.active.add(k);
    this.unschedulable.clear();
    this.kick();
  }

  private enqueue(key: string): void {
    this.active.add(key);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const keys = [...this.active];
    this.active.clear();
    const nodes = this.ctx.store.listSorted(R.nodes).filter((n) => !n.metadata.deletionTimestamp).map(nodeInfo);
    for (const key of keys) {
      const [ns, name] = splitKey(key);
      const pod = this.ctx.store.get(R.pods, ns, name);
      if (!pod || !this.wants(pod)) continue;
      try {
        this.scheduleOne(pod, nodes);
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== 404 && code !== 409) console.error("[kubesim] scheduler:", e);
      }
    }
  }

  private antiAffinityOk(pod: KObject, node: KObject, nodes: NodeInfo[]): boolean {
    const terms: Loose[] = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    for (const term of terms) {
      const key: string = term.topologyKey ?? "kubernetes.io/hostname";
      const value = node.metadata.labels?.[key];
      if (value === undefined) continue;
      const match = labelSelectorMatcher(term.labelSelector);
      const namespaces: string[] = term.namespaces?.length ? term.namespaces : [pod.metadata.namespace!];
      for (const { node: n } of nodes) {
        if (n.metadata.labels?.[key] !== value) continue;
        for (const pk of this.usage.get(n.metadata.name!)?.podKeys ?? []) {
          const [pns, pname] = splitKey(pk);
          if (!namespaces.includes(pns) || pname === pod.metadata.name) continue;
          const other = this.ctx.store.get(R.pods, pns, pname);
          if (other && match(other.metadata.labels)) return false;
        }
      }
    }
    return true;
  }

  /** Pods matching a selector (in the given namespaces), counted per value of a node label. */
  private countByDomain(key: string, match: (labels: Record<string, string> | undefined) => boolean, namespaces: string[], nodes: NodeInfo[], self: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { node } of nodes) {
      const domain = node.metadata.labels?.[key];
      if (domain === undefined) continue;
      let n = counts.get(domain) ?? 0;
      for (const pk of this.usage.get(node.metadata.name!)?.podKeys ?? []) {
        const [pns, pname] = splitKey(pk);
        if (!namespaces.includes(pns) || pname === self) continue;
        const other = this.ctx.store.get(R.pods, pns, pname);
        if (other && !other.metadata.deletionTimestamp && match(other.metadata.labels)) n++;
      }
      counts.set(domain, n);
    }
    return counts;
  }

  /**
   * topologySpreadConstraints: DoNotSchedule filters nodes whose domain would exceed maxSkew;
   * ScheduleAnyway (and preferred pod anti-affinity) only lower a node's score.
   */
  private spreadRules(pod: KObject, nodes: NodeInfo[]): { filter: (n: KObject) => boolean; penalty: (n: KObject) => number } {
    const ns = pod.metadata.namespace!;
    const self = pod.metadata.name!;
    const hard: { key: string; counts: Map<string, number>; min: number; maxSkew: number; selfMatch: number }[] = [];
    const soft: { key: string; counts: Map<string, number>; min: number; weight: number }[] = [];
    const eligible = nodes.filter((n) => matchesNodeAffinity(pod, n.node));
    for (const c of (pod.spec?.topologySpreadConstraints ?? []) as Loose[]) {
      const match = labelSelectorMatcher(c.labelSelector);
      const counts = this.countByDomain(c.topologyKey, match, [ns], eligible, self);
      const min = counts.size ? Math.min(...counts.values()) : 0;
      if (c.whenUnsatisfiable === "ScheduleAnyway") soft.push({ key: c.topologyKey, counts, min, weight: 1 });
      else hard.push({ key: c.topologyKey, counts, min, maxSkew: c.maxSkew ?? 1, selfMatch: match(pod.metadata.labels) ? 1 : 0 });
    }
    for (const t of (pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Loose[]) {
      const term = t.podAffinityTerm ?? {};
      const counts = this.countByDomain(term.topologyKey ?? "kubernetes.io/hostname", labelSelectorMatcher(term.labelSelector), term.namespaces?.length ? term.namespaces : [ns], nodes, self);
      soft.push({ key: term.topologyKey ?? "kubernetes.io/hostname", counts, min: 0, weight: (t.weight ?? 1) / 50 });
    }
    return {
      filter: (n) =>
        hard.every((h) => {
          const d = n.metadata.labels?.[h.key];
          return d !== undefined && (h.counts.get(d) ?? 0) + h.selfMatch - h.min <= h.maxSkew;
        }),
      penalty: (n) => {
        let p = 0;
        for (const x of soft) {
          const d = n.metadata.labels?.[x.key];
          if (d !== undefined) p += x.weight * ((x.counts.get(d) ?? 0) - x.min);
        }
        return p;
      },
    };
  }

  private scheduleOne(pod: KObject, nodes: NodeInfo[]): void {
    const req = podAmounts(pod);
    const reasons = new Map<string, number>();
    const add = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    let best: KObject | undefined;
    let bestScore = -Infinity;
    const hasAnti = !!pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
    const spread =
      pod.spec?.topologySpreadConstraints?.length || pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length
        ? this.spreadRules(pod, nodes)
        : undefined;
    for (const info of nodes) {
      const node = info.node;
      const untolerated = info.taints.length ? info.taints.find((t) => !tolerates(pod.spec?.tolerations, t)) : undefined;
      if (untolerated) {
        add(`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ""}}`);
        continue;
      }
      if (!info.ready) {
        add("node(s) had untolerated taint {node.kubernetes.io/not-ready: }");
        continue;
      }
      if (node.spec?.unschedulable) {
        add("node(s) were unschedulable");
        continue;
      }
      if (!matchesNodeAffinity(pod, node)) {
        add("node(s) didn't match Pod's node affinity/selector");
        continue;
      }
      const { cpuCap, memCap, podCap } = info;
      const used = this.usage.get(node.metadata.name!) ?? { cpu: 0, memory: 0, pods: 0 };
      let fits = true;
      if (used.pods + 1 > podCap) {
        add("Too many pods");
        fits = false;
      }
      if (req.cpu > 0 && used.cpu + req.cpu > cpuCap) {
        add("Insufficient cpu");
        fits = false;
      }
      if (req.memory > 0 && used.memory + req.memory > memCap) {
        add("Insufficient memory");
        fits = false;
      }
      if (!fits) continue;
      if (hasAnti && !this.antiAffinityOk(pod, node, nodes)) {
        add("node(s) didn't match pod anti-affinity rules");
        continue;
      }
      if (spread && !spread.filter(node)) {
        add("node(s) didn't match pod topology spread constraints");
        continue;
      }
      // Least allocated: prefer the node with the most free capacity after placing the pod.
      const score =
        -(spread?.penalty(node) ?? 0) +
        (cpuCap ? 1 - (used.cpu + req.cpu) / cpuCap : 0) + (memCap ? 1 - (used.memory + req.memory) / memCap : 0) + (podCap ? 1 - (used.pods + 1) / podCap : 0);
      if (score > bestScore) {
        bestScore = score;
        best = node;
      }
    }
    const { objects, events } = this.ctx;
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    if (best) {
      const next = clone(pod);
      next.spec.nodeName = best.metadata.name;
      const conds: Loose[] = (next.status.conditions ?? []).filter((c: Loose) => c.type !== "PodScheduled");
      conds.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowIso() });
      next.status.conditions = conds;
      const bound = objects.update(R.pods, ns, name, next, { internal: true });
      events.record(bound, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${best.metadata.name}`, "default-scheduler");
      return;
    }
    const detail = [...reasons.entries()]
      .map(([r, n]) => `${n} ${r}`)
      .sort()
      .join(", ");
    const message = `0/${nodes.length} nodes are available${detail ? `: ${detail}` : ""}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
    this.unschedulable.add(nsName(ns, name));
    const prevCond = (pod.status?.conditions ?? []).find((c: Loose) => c.type === "PodScheduled");
    if (prevCond?.status !== "False" || prevCond.message !== message) {
      const next = clone(pod);
      const conds: Loose[] = (next.status.conditions ?? []).filter((c: Loose) => c.type !== "PodScheduled");
      conds.push({ type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: nowIso(), reason: "Unschedulable", message });
      next.status.conditions = conds;
      objects.update(R.pods, ns, name, next, { internal: true, subresource: "status" });
    }
    events.record(pod, "Warning", "FailedScheduling", message, "default-scheduler");
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.retryTimer);
  }
}
