// Kubelet of every simulated node: starts bound pods after the start delay (Running, conditions,
// container statuses, IPs, events), plays crash loops and image-pull failures with back-off while such
// faults match (per container: a fault may hit only some images), restarts containers whose image is
// changed in place, and completes graceful pod deletions. A node that is down does nothing.
import { createHash, randomBytes } from "node:crypto";
import type { SimContext } from "./context";
import { R } from "./resources";
import type { StoreEvent } from "./store";
import type { KObject, Loose } from "./types";
import { clone, nowIso } from "./util/json";
import { qosClass } from "./util/pods";

interface PodRuntime {
  uid: string;
  timer?: NodeJS.Timeout;
  /** What the timer will do. */
  next?: "start" | "terminate";
  /** Set while the kubelet writes the pod, so it ignores the events of its own writes. */
  busy: boolean;
  attempts: number;
  containerIds: Map<string, string>;
}

function cond(type: string, status: string, prev: Loose[] | undefined, extra: Loose = {}): Loose {
  const old = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : nowIso(),
    ...extra,
  };
}

function newContainerId(): string {
  return `containerd://${randomBytes(32).toString("hex")}`;
}

/** The identity fields every container status starts with (a fresh container id unless one is kept). */
function containerIdentity(c: Loose, containerID: string = newContainerId()) {
  return { name: c.name, image: c.image, imageID: imageId(String(c.image)), containerID };
}

function imageId(image: string): string {
  const ref = image.includes("/") ? image : `docker.io/library/${image}`;
  return `${ref.split(":")[0]}@sha256:${createHash("sha256").update(image).digest("hex")}`;
}

export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>(); // key ns/name
  private readonly ipByNode = new Map<string, number>();
  private stopped = false;

  constructor(private readonly ctx: SimContext) {
    ctx.store.onChange((ev) => this.observe(ev));
    ctx.faults.onChange(() => this.resyncAll());
  }

  private key(p: KObject): string {
    return `${p.metadata.namespace}/${p.metadata.name}`;
  }

  private rt(p: KObject): PodRuntime {
    const k = this.key(p);
    let r = this.pods.get(k);
    if (!r || r.uid !== p.metadata.uid) {
      if (r?.timer) clearTimeout(r.timer);
      r = { uid: p.metadata.uid!, attempts: 0, containerIds: new Map(), busy: false };
      this.pods.set(k, r);
    }
    return r;
  }

  private schedule(p: KObject, what: "start" | "terminate", ms: number, force = false): void {
    const r = this.rt(p);
    if (!force && r.timer && r.next === what) return;
    if (r.timer) clearTimeout(r.timer);
    r.next = what;
    const ns = p.metadata.namespace!;
    const name = p.metadata.name!;
    r.timer = setTimeout(
      () => {
        r.timer = undefined;
        r.next = undefined;
        if (this.stopped) return;
        const cur = this.ctx.store.get(R.pods, ns, name);
        if (!cur || cur.metadata.uid !== r.uid) return;
        r.busy = true;
        try {
          if (what === "terminate") this.terminate(cur);
          else this.start(cur, r);
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (code !== 404 && code !== 409) console.error("[kubesim] kubelet:", e);
        } finally {
          r.busy = false;
        }
      },
      Math.max(0, ms),
    );
  }

  private observe(ev: StoreEvent): void {
    if (ev.res === R.pods) {
      if (ev.type === "DELETED") {
        const r = this.pods.get(this.key(ev.obj));
        if (r && r.uid === ev.obj.metadata.uid) {
          if (r.timer) clearTimeout(r.timer);
          this.pods.delete(this.key(ev.obj));
        }
        return;
      }
      this.sync(ev.obj, ev.prev);
    } else if (ev.res === R.nodes && ev.type === "MODIFIED") {
      const name = ev.obj.metadata.name!;
      if (!this.ctx.downNodes.has(name) && ev.prev && !isReady(ev.prev) && isReady(ev.obj)) this.resyncNode(name);
    }
  }

  /** Decides what a pod needs from its kubelet now. */
  private sync(p: KObject, prev?: KObject): void {
    const node = p.spec?.nodeName;
    if (!node || this.ctx.downNodes.has(node)) return;
    const r = this.rt(p);
    if (r.busy) return;
    if (p.metadata.deletionTimestamp) {
      if (r.next === "terminate") return;
      const graceMs = (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      this.schedule(p, "terminate", Math.min(this.ctx.timers.podTerminationMs, graceMs), true);
      if (!prev?.metadata.deletionTimestamp)
        for (const c of p.spec?.containers ?? []) this.ctx.events.record(p, "Normal", "Killing", `Stopping container ${c.name}`, "kubelet", node);
      return;
    }
    const phase = p.status?.phase;
    const tried = phase === "Running" || (phase === "Pending" && (p.status?.containerStatuses ?? []).length > 0);
    const changed = prev && tried ? changedImages(prev, p) : [];
    if (changed.length) {
      // Like the kubelet: a container whose image changed is killed and started again with it at once,
      // without waiting out the back-off of the old image.
      if (phase === "Running")
        for (const c of changed) this.ctx.events.record(p, "Normal", "Killing", `Container ${c} definition changed, will be restarted`, "kubelet", node);
      this.schedule(p, "start", 0, true);
      return;
    }
    if (phase === "Pending" && !r.timer) this.schedule(p, "start", this.ctx.podStartDelayMs + this.ctx.faults.extraStartDelay(p));
  }

  /** After a fault change or a node coming back: re-evaluate pods. */
  resyncAll(): void {
    for (const p of this.ctx.store.list(R.pods)) this.resyncPod(p);
  }

  resyncNode(node: string): void {
    for (const p of this.ctx.store.list(R.pods)) if (p.spec?.nodeName === node) this.resyncPod(p);
  }

  private resyncPod(p: KObject): void {
    const node = p.spec?.nodeName;
    if (!node || this.ctx.downNodes.has(node)) return;
    if (p.metadata.deletionTimestamp) return this.sync(p);
    const r = this.rt(p);
    if (r.timer) return;
    const phase = p.status?.phase;
    if (phase === "Pending") return this.sync(p);
    if (phase !== "Running") return;
    const crash = this.ctx.faults.crashLoopFor(p);
    const waiting = (p.status?.containerStatuses ?? []).some((c: Loose) => c.state?.waiting);
    if (crash || waiting || !isPodReadyStatus(p)) this.schedule(p, "start", 0);
  }

  private backoff(r: PodRuntime): number {
    const { backoffBaseMs, backoffMaxMs } = this.ctx.timers;
    return Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.max(0, r.attempts - 1));
  }

  private podIp(node: KObject): string {
    const n = (this.ipByNode.get(node.metadata.name!) ?? 1) + 1;
    this.ipByNode.set(node.metadata.name!, n);
    const cidr: string = node.spec?.podCIDR ?? "10.244.0.0/24";
    const [a, b, c] = cidr.split("/")[0]!.split(".");
    const high = Math.floor(n / 254);
    return `${a}.${b}.${Number(c) + high}.${(n % 254) + 1}`;
  }

  private start(p: KObject, r: PodRuntime): void {
    const nodeName: string = p.spec.nodeName;
    if (this.ctx.downNodes.has(nodeName)) return;
    const node = this.ctx.store.get(R.nodes, undefined, nodeName);
    if (!node) return;
    const { events, faults } = this.ctx;
    const next = clone(p);
    const prevConds: Loose[] = p.status?.conditions ?? [];
    const hostIP = (node.status?.addresses ?? []).find((a: Loose) => a.type === "InternalIP")?.address ?? "10.0.0.1";
    const st = next.status;
    st.hostIP = hostIP;
    st.hostIPs = [{ ip: hostIP }];
    if (!st.podIP) {
      st.podIP = this.podIp(node);
      st.podIPs = [{ ip: st.podIP }];
    }
    st.startTime ??= nowIso();
    st.qosClass ??= qosClass(p.spec);
    const containers: Loose[] = p.spec?.containers ?? [];
    const now = nowIso();

    const badImage = faults.failingImage(p);
    if (badImage) {
      r.attempts++;
      const firstFailure = !(p.status?.containerStatuses ?? []).some((c: Loose) => c.state?.waiting?.reason === "ErrImagePull" || c.state?.waiting?.reason === "ImagePullBackOff");
      const reason = firstFailure || r.attempts % 2 === 1 ? "ErrImagePull" : "ImagePullBackOff";
      st.phase = p.status?.phase === "Running" ? "Running" : "Pending";
      st.conditions = [
        cond("PodReadyToStartContainers", "True", prevConds),
        cond("Initialized", "True", prevConds),
        cond("Ready", "False", prevConds, { reason: "ContainersNotReady", message: `containers with unready status: [${containers.map((c) => c.name).join(" ")}]` }),
        cond("ContainersReady", "False", prevConds, { reason: "ContainersNotReady", message: `containers with unready status: [${containers.map((c) => c.name).join(" ")}]` }),
        cond("PodScheduled", "True", prevConds),
      ];
      st.containerStatuses = containers.map((c) => {
        const failing = c.image === badImage;
        return {
          name: c.name,
          image: c.image,
          imageID: "",
          ready: false,
          started: false,
          restartCount: 0,
          state: failing
            ? {
                waiting: {
                  reason,
                  message:
                    reason === "ErrImagePull"
                      ? `failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": not found`
                      : `Back-off pulling image "${c.image}"`,
                },
              }
            : { waiting: { reason: "PodInitializing" } },
          lastState: {},
        };
      });
      this.ctx.objects.update(R.pods, p.metadata.namespace, p.metadata.name!, next, { internal: true, subresource: "status" });
      if (reason === "ErrImagePull") {
        events.record(p, "Normal", "Pulling", `Pulling image "${badImage}"`, "kubelet", nodeName);
        events.record(p, "Warning", "Failed", `Failed to pull image "${badImage}": failed to resolve reference "${badImage}": not found`, "kubelet", nodeName);
        events.record(p, "Warning", "Failed", "Error: ErrImagePull", "kubelet", nodeName);
      } else {
        events.record(p, "Normal", "BackOff", `Back-off pulling image "${badImage}"`, "kubelet", nodeName);
        events.record(p, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", nodeName);
      }
      this.schedule(next, "start", reason === "ErrImagePull" ? Math.min(this.backoff(r), this.ctx.timers.backoffBaseMs) / 2 : this.backoff(r), true);
      return;
    }

    const crash = faults.crashLoopFor(p);
    const prevStatuses: Loose[] = p.status?.containerStatuses ?? [];
    const prevOf = (c: Loose): Loose | undefined => prevStatuses.find((x) => x.name === c.name);
    const started: string[] = [];
    const running = (c: Loose): Loose => {
      const out = this.runningStatus(r, c, prevOf(c), now);
      if (out.started) started.push(c.name);
      return out.status;
    };
    const failing = containers.filter((c) => crash?.containers.has(c.name));
    const unready = { reason: "ContainersNotReady", message: `containers with unready status: [${failing.map((c) => c.name).join(" ")}]` };
    if (crash && p.spec?.restartPolicy === "Never") {
      // Nothing restarts the crashed containers: the pod fails for good once none is left running.
      const allFailed = failing.length === containers.length;
      st.phase = allFailed ? "Failed" : "Running";
      st.conditions = [
        cond("PodReadyToStartContainers", allFailed ? "False" : "True", prevConds),
        cond("Initialized", "True", prevConds),
        cond("Ready", "False", prevConds, allFailed ? { reason: "PodFailed" } : unready),
        cond("ContainersReady", "False", prevConds, allFailed ? { reason: "PodFailed" } : unready),
        cond("PodScheduled", "True", prevConds),
      ];
      st.containerStatuses = containers.map((c) => {
        if (!crash.containers.has(c.name)) return running(c);
        const prevS = prevOf(c);
        if (prevS?.state?.terminated && prevS.image === c.image) return clone(prevS);
        return {
          ...containerIdentity(c),
          ready: false,
          started: false,
          restartCount: 0,
          state: { terminated: { exitCode: crash.exitCode, reason: "Error", startedAt: now, finishedAt: now } },
          lastState: {},
        };
      });
      this.ctx.objects.update(R.pods, p.metadata.namespace, p.metadata.name!, next, { internal: true, subresource: "status" });
      this.recordStarted(p, nodeName, started);
      return;
    }
    if (crash) {
      r.attempts++;
      const backoffMs = this.backoff(r);
      st.phase = "Running";
      st.conditions = [
        cond("PodReadyToStartContainers", "True", prevConds),
        cond("Initialized", "True", prevConds),
        cond("Ready", "False", prevConds, unready),
        cond("ContainersReady", "False", prevConds, unready),
        cond("PodScheduled", "True", prevConds),
      ];
      st.containerStatuses = containers.map((c) => {
        if (!crash.containers.has(c.name)) return running(c);
        const prevS = prevOf(c);
        // The first failed run of a container is not a restart; every run after one is.
        const ranBefore = !!prevS && (prevS.state?.running || prevS.state?.waiting?.reason === "CrashLoopBackOff");
        return {
          ...containerIdentity(c),
          ready: false,
          started: false,
          restartCount: (prevS?.restartCount ?? 0) + (ranBefore ? 1 : 0),
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off ${Math.round(backoffMs / 1000)}s restarting failed container=${c.name} pod=${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})`,
            },
          },
          lastState: { terminated: { exitCode: crash.exitCode, reason: "Error", startedAt: now, finishedAt: now, containerID: newContainerId() } },
        };
      });
      this.ctx.objects.update(R.pods, p.metadata.namespace, p.metadata.name!, next, { internal: true, subresource: "status" });
      this.recordStarted(p, nodeName, started);
      for (const c of failing) events.record(p, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})`, "kubelet", nodeName);
      this.schedule(next, "start", backoffMs, true);
      return;
    }

    // Healthy start (or recovery after a fault was cleared, or a restart after an image change).
    r.attempts = 0;
    st.phase = "Running";
    st.conditions = [
      cond("PodReadyToStartContainers", "True", prevConds),
      cond("Initialized", "True", prevConds),
      cond("Ready", "True", prevConds),
      cond("ContainersReady", "True", prevConds),
      cond("PodScheduled", "True", prevConds),
    ];
    if ((p.spec?.initContainers ?? []).length) {
      st.initContainerStatuses = (p.spec.initContainers as Loose[]).map((c) => ({
        ...containerIdentity(c),
        ready: true,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } },
        lastState: {},
      }));
    }
    st.containerStatuses = containers.map(running);
    this.ctx.objects.update(R.pods, p.metadata.namespace, p.metadata.name!, next, { internal: true, subresource: "status" });
    this.recordStarted(p, nodeName, started);
  }

  /**
   * The status of a container that runs now. It keeps its id and start time unless it (re)starts here:
   * first start, recovery from a crash or pull failure, or a new image in the pod spec (which the
   * kubelet applies by restarting the container, counting a restart).
   */
  private runningStatus(r: PodRuntime, c: Loose, prevS: Loose | undefined, now: string): { status: Loose; started: boolean } {
    const wasRunning = prevS?.state?.running;
    const imageChanged = !!wasRunning && prevS!.image !== c.image;
    const started = !wasRunning || imageChanged;
    let id = r.containerIds.get(c.name) ?? (wasRunning ? prevS!.containerID : undefined);
    if (!id || started) id = newContainerId();
    r.containerIds.set(c.name, id);
    const restarted = imageChanged || prevS?.state?.waiting?.reason === "CrashLoopBackOff";
    return {
      started,
      status: {
        ...containerIdentity(c, id),
        ready: true,
        started: true,
        restartCount: (prevS?.restartCount ?? 0) + (restarted ? 1 : 0),
        state: { running: { startedAt: started ? now : wasRunning.startedAt } },
        lastState: imageChanged
          ? { terminated: { exitCode: 0, reason: "Completed", startedAt: wasRunning.startedAt, finishedAt: now, containerID: prevS!.containerID } }
          : (prevS?.lastState ?? {}),
      },
    };
  }

  private recordStarted(p: KObject, nodeName: string, names: string[]): void {
    for (const c of (p.spec?.containers ?? []) as Loose[]) {
      if (!names.includes(c.name)) continue;
      this.ctx.events.record(p, "Normal", "Pulled", `Container image "${c.image}" already present on machine`, "kubelet", nodeName);
      this.ctx.events.record(p, "Normal", "Created", `Created container ${c.name}`, "kubelet", nodeName);
      this.ctx.events.record(p, "Normal", "Started", `Started container ${c.name}`, "kubelet", nodeName);
    }
  }

  private terminate(p: KObject): void {
    if (p.spec?.nodeName && this.ctx.downNodes.has(p.spec.nodeName)) return;
    if (p.metadata.finalizers?.length) {
      // Containers are gone, but the object stays until its finalizers are removed.
      if (p.status?.phase === "Running" || p.status?.phase === "Pending") {
        const next = clone(p);
        next.status.phase = p.spec?.restartPolicy === "Always" || !p.spec?.restartPolicy ? "Failed" : "Succeeded";
        next.status.containerStatuses = (next.status.containerStatuses ?? []).map((c: Loose) => ({
          ...c,
          ready: false,
          started: false,
          state: { terminated: { exitCode: 0, reason: "Completed", startedAt: c.state?.running?.startedAt ?? nowIso(), finishedAt: nowIso() } },
        }));
        this.ctx.objects.update(R.pods, p.metadata.namespace, p.metadata.name!, next, { internal: true, subresource: "status" });
      }
      return;
    }
    this.ctx.objects.forceRemove(R.pods, p.metadata.namespace, p.metadata.name!);
  }

  /** Marks a pod NotReady without the kubelet (node controller on node loss). */
  static notReadyStatus(p: KObject): Loose {
    const st = clone(p.status ?? {});
    st.conditions = (st.conditions ?? []).map((c: Loose) =>
      c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False", lastTransitionTime: nowIso(), reason: "NodeNotReady" } : c,
    );
    st.containerStatuses = (st.containerStatuses ?? []).map((c: Loose) => ({ ...c, ready: false }));
    return st;
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.pods.values()) if (r.timer) clearTimeout(r.timer);
    this.pods.clear();
  }
}

function isReady(n: KObject): boolean {
  return (n.status?.conditions ?? []).some((c: Loose) => c.type === "Ready" && c.status === "True");
}

function isPodReadyStatus(p: KObject): boolean {
  return (p.status?.conditions ?? []).some((c: Loose) => c.type === "Ready" && c.status === "True");
}

/** Names of the containers whose image differs between two versions of a pod's spec. */
function changedImages(prev: KObject, p: KObject): string[] {
  const before = new Map(((prev.spec?.containers ?? []) as Loose[]).map((c) => [c.name, c.image]));
  return ((p.spec?.containers ?? []) as Loose[]).filter((c) => before.has(c.name) && before.get(c.name) !== c.image).map((c) => c.name);
}
