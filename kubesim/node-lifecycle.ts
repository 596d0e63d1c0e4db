// Nodes: registration of simulated nodes, kubelet heartbeats renewing Leases in kube-node-lease, and the
// node lifecycle controller (NotReady + unreachable taints after the grace period, pods marked NotReady,
// evicted after the toleration period so their controllers recreate them elsewhere; Ready again on return).
import type { SimContext } from "./context";
import { Kubelet } from "./kubelet";
import { R } from "./resources";
import type { KObject, Loose, NodeSpec, Taint } from "./types";
import { clone, nowIso, nowMicro } from "./util/json";
import { cpuMillis, formatCpu, parseQuantity } from "./util/quantity";
import { tolerates } from "./scheduler";

const UNREACHABLE = "node.kubernetes.io/unreachable";

function readyConditions(ready: boolean, prev?: Loose[]): Loose[] {
  const now = nowIso();
  const mk = (type: string, status: string, reason: string, message: string) => {
    const old = prev?.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: now, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now, reason, message };
  };
  if (ready)
    return [
      mk("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      mk("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      mk("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      mk("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ];
  return ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map((t) => {
    const old = prev?.find((c) => c.type === t);
    return { ...mk(t, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), lastHeartbeatTime: old?.lastHeartbeatTime ?? now };
  });
}

function isReady(n: KObject): boolean {
  return (n.status?.conditions ?? []).some((c: Loose) => c.type === "Ready" && c.status === "True");
}

export class NodeLifecycle {
  private heartbeatTimer?: NodeJS.Timeout;
  private monitorTimer?: NodeJS.Timeout;
  private nodeIndex = 0;
  /** When each node went NotReady (for eviction timing). */
  private readonly notReadySince = new Map<string, number>();

  constructor(private readonly ctx: SimContext) {}

  start(): void {
    const { heartbeatMs, nodeGraceMs } = this.ctx.timers;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.monitorTimer = setInterval(() => this.monitor(), Math.max(20, Math.min(1000, nodeGraceMs / 5)));
    this.heartbeatTimer.unref?.();
    this.monitorTimer.unref?.();
    for (const n of this.ctx.store.list(R.nodes)) {
      this.nodeIndex = Math.max(this.nodeIndex, Number(/^10\.244\.(\d+)\./.exec(n.spec?.podCIDR ?? "")?.[1] ?? 0) + 1);
      if (!isReady(n)) this.notReadySince.set(n.metadata.name!, Date.now());
      // After a restart, kubelets report in at once rather than looking dead for one grace period.
      if (!this.ctx.downNodes.has(n.metadata.name!)) {
        try {
          this.renewLease(n);
        } catch {
          // kube-node-lease missing: nothing to renew
        }
      }
    }
  }

  /** Registers a node as a kubelet would (Node object plus its Lease). */
  addNode(spec: NodeSpec): KObject {
    const i = this.nodeIndex++;
    const { region } = this.ctx;
    const zone = spec.zone ?? `${region}a`;
    const cpu = typeof spec.cpu === "number" ? formatCpu(spec.cpu * 1000) : formatCpu(cpuMillis(spec.cpu));
    const memory = spec.memory;
    parseQuantity(memory);
    const pods = String(spec.pods ?? 110);
    const capacity = { cpu, memory, pods, "ephemeral-storage": "100Gi", "hugepages-2Mi": "0" };
    const ip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    const node: KObject = {
      metadata: {
        name: spec.name,
        labels: {
          "beta.kubernetes.io/arch": "amd64",
          "beta.kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "kubernetes.io/hostname": spec.name,
          "kubernetes.io/os": "linux",
          "node.kubernetes.io/instance-type": "kubesim",
          "topology.kubernetes.io/region": region,
          "topology.kubernetes.io/zone": zone,
          "failure-domain.beta.kubernetes.io/region": region,
          "failure-domain.beta.kubernetes.io/zone": zone,
          ...(spec.labels ?? {}),
        },
        annotations: { "node.alpha.kubernetes.io/ttl": "0", "kubesim.fleetplane.dev/simulated": "true" },
      },
      spec: {
        podCIDR: `10.244.${i}.0/24`,
        podCIDRs: [`10.244.${i}.0/24`],
        providerID: `kubesim://${this.ctx.name}/${spec.name}`,
        ...(spec.taints?.length ? { taints: spec.taints } : {}),
      },
      status: {
        capacity,
        allocatable: { ...capacity },
        conditions: readyConditions(true),
        addresses: [
          { type: "InternalIP", address: ip },
          { type: "Hostname", address: spec.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: `kubesim-${this.ctx.name}-${spec.name}`,
          systemUUID: `kubesim-${this.ctx.name}-${spec.name}`,
          bootID: `kubesim-${Date.now()}`,
          kernelVersion: "6.1.0-kubesim",
          osImage: "kubesim (simulated node)",
          containerRuntimeVersion: "containerd://1.7.20",
          kubeletVersion: "v1.31.0",
          kubeProxyVersion: "v1.31.0",
          operatingSystem: "linux",
          architecture: "amd64",
        },
        images: [],
      },
    };
    const created = this.ctx.objects.create(R.nodes, undefined, node, { internal: true });
    this.renewLease(created);
    this.ctx.events.record(created, "Normal", "Starting", "Starting kubelet.", "kubelet", spec.name);
    this.ctx.events.record(created, "Normal", "NodeReady", `Node ${spec.name} status is now: NodeReady`, "kubelet", spec.name);
    return created;
  }

  removeNode(name: string): void {
    this.ctx.objects.delete(R.nodes, undefined, name, {});
    const lease = this.ctx.store.get(R.leases, "kube-node-lease", name);
    if (lease) this.ctx.objects.forceRemove(R.leases, "kube-node-lease", name);
    for (const p of this.ctx.store.list(R.pods)) if (p.spec?.nodeName === name) this.ctx.objects.forceRemove(R.pods, p.metadata.namespace, p.metadata.name!);
  }

  private renewLease(node: KObject): void {
    const name = node.metadata.name!;
    const { store, objects } = this.ctx;
    const lease = store.get(R.leases, "kube-node-lease", name);
    if (!lease) {
      objects.create(
        R.leases,
        "kube-node-lease",
        {
          metadata: { name, namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid! }] },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: nowMicro() },
        },
        { internal: true },
      );
      return;
    }
    objects.update(R.leases, "kube-node-lease", name, { ...lease, spec: { ...lease.spec, renewTime: nowMicro() } }, { internal: true });
  }

  private heartbeat(): void {
    for (const n of this.ctx.store.list(R.nodes)) {
      if (this.ctx.downNodes.has(n.metadata.name!)) continue;
      try {
        this.renewLease(n);
      } catch {
        // namespace kube-node-lease missing (deleted by a user): nothing to renew
      }
    }
    // A node that is back renews at once rather than after its next tick.
    this.monitor();
  }

  /** Node down / up (fault): the kubelet stops or resumes heartbeats. */
  setDown(name: string, down: boolean): void {
    if (down) this.ctx.downNodes.add(name);
    else {
      this.ctx.downNodes.delete(name);
      const n = this.ctx.store.get(R.nodes, undefined, name);
      if (n) this.renewLease(n);
      this.monitor();
    }
  }

  private monitor(): void {
    const { store, objects, timers, events } = this.ctx;
    const now = Date.now();
    for (const n of store.list(R.nodes)) {
      const name = n.metadata.name!;
      const lease = store.get(R.leases, "kube-node-lease", name);
      const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : 0;
      const fresh = now - renew <= timers.nodeGraceMs && !this.ctx.downNodes.has(name);
      const stale = now - renew > timers.nodeGraceMs;
      if (isReady(n) && stale) {
        const next = clone(n);
        next.status.conditions = readyConditions(false, n.status?.conditions);
        const taints: Taint[] = (next.spec.taints ?? []).filter((t: Taint) => t.key !== UNREACHABLE);
        taints.push({ key: UNREACHABLE, effect: "NoSchedule", timeAdded: nowIso() }, { key: UNREACHABLE, effect: "NoExecute", timeAdded: nowIso() });
        next.spec.taints = taints;
        objects.update(R.nodes, undefined, name, next, { internal: true });
        events.record(n, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`, "node-controller");
        this.notReadySince.set(name, now);
        for (const p of store.list(R.pods)) {
          if (p.spec?.nodeName !== name || p.metadata.deletionTimestamp) continue;
          objects.update(R.pods, p.metadata.namespace, p.metadata.name!, { ...p, status: Kubelet.notReadyStatus(p) }, { internal: true, subresource: "status" });
        }
      } else if (!isReady(n) && fresh) {
        const next = clone(n);
        next.status.conditions = readyConditions(true, n.status?.conditions);
        const taints = (next.spec.taints ?? []).filter((t: Taint) => t.key !== UNREACHABLE && t.key !== "node.kubernetes.io/not-ready");
        if (taints.length) next.spec.taints = taints;
        else delete next.spec.taints;
        this.notReadySince.delete(name);
        objects.update(R.nodes, undefined, name, next, { internal: true });
        events.record(n, "Normal", "NodeReady", `Node ${name} status is now: NodeReady`, "node-controller");
      } else if (!isReady(n)) {
        const since = this.notReadySince.get(name) ?? now;
        if (!this.notReadySince.has(name)) this.notReadySince.set(name, now);
        this.evict(name, now - since);
      }
    }
  }

  private evict(node: string, notReadyMs: number): void {
    const { store, objects, timers, events } = this.ctx;
    const taint: Taint = { key: UNREACHABLE, effect: "NoExecute" };
    for (const p of store.list(R.pods)) {
      if (p.spec?.nodeName !== node) continue;
      const tol = ((p.spec?.tolerations ?? []) as Loose[]).find((t) => tolerates([t], taint));
      let limitMs = timers.evictionTimeoutMs;
      if (tol) {
        if (tol.tolerationSeconds === undefined || tol.tolerationSeconds === null) continue;
        limitMs = tol.tolerationSeconds === 300 ? timers.evictionTimeoutMs : tol.tolerationSeconds * 1000;
      }
      if (notReadyMs < limitMs) continue;
      events.record(p, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`, "taint-eviction-controller");
      // The kubelet of a lost node cannot confirm termination; remove the pod so controllers replace it.
      objects.forceRemove(R.pods, p.metadata.namespace, p.metadata.name!);
    }
  }

  stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.monitorTimer) clearInterval(this.monitorTimer);
  }
}
