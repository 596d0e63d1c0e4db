// StatefulSet controller: pods `<name>-<ordinal>` created in order (each after the previous is Running
// and Ready, unless podManagementPolicy is Parallel), PVCs from volumeClaimTemplates, scale-down from the
// highest ordinal, and ordered rolling updates by controller-revision-hash.
import type { SimContext } from "../context";
import { R } from "../resources";
import type { KObject, Loose } from "../types";
import { clone, deepEqual } from "../util/json";
import { safeHash } from "../util/names";
import { controllerRef, isPodReady, isPodTerminal } from "../util/pods";
import type { GarbageCollector } from "./garbage-collector";
import { nsName, splitKey, WorkQueue } from "./work-queue";

const REV = "controller-revision-hash";

export class StatefulSetController {
  private readonly queue: WorkQueue;

  constructor(
    private readonly ctx: SimContext,
    private readonly gc: GarbageCollector,
  ) {
    this.queue = new WorkQueue("statefulset", (k) => this.reconcile(k));
    ctx.store.onChange((ev) => {
      if (ev.res === R.statefulsets) {
        if (ev.type !== "DELETED") this.queue.add(nsName(ev.obj.metadata.namespace, ev.obj.metadata.name!));
      } else if (ev.res === R.pods) {
        const ref = controllerRef(ev.obj) ?? (ev.prev && controllerRef(ev.prev));
        if (ref?.kind === "StatefulSet") this.queue.add(nsName(ev.obj.metadata.namespace, ref.name));
      }
    });
  }

  resync(): void {
    for (const s of this.ctx.store.list(R.statefulsets)) this.queue.add(nsName(s.metadata.namespace, s.metadata.name!));
  }

  private podFor(sts: KObject, ordinal: number, revision: string): KObject {
    const name = sts.metadata.name!;
    const tpl = clone(sts.spec?.template ?? {});
    const podName = `${name}-${ordinal}`;
    const spec = tpl.spec ?? {};
    spec.hostname = podName;
    if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
    const volumes: Loose[] = spec.volumes ?? [];
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const claim = t.metadata?.name;
      const v = { name: claim, persistentVolumeClaim: { claimName: `${claim}-${name}-${ordinal}` } };
      const idx = volumes.findIndex((x) => x.name === claim);
      if (idx >= 0) volumes[idx] = v;
      else volumes.push(v);
    }
    if (volumes.length) spec.volumes = volumes;
    return {
      metadata: {
        name: podName,
        namespace: sts.metadata.namespace,
        labels: {
          ...(tpl.metadata?.labels ?? {}),
          [REV]: revision,
          "statefulset.kubernetes.io/pod-name": podName,
          "apps.kubernetes.io/pod-index": String(ordinal),
        },
        ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
        ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    };
  }

  private ensureClaims(sts: KObject, ordinal: number): void {
    const { store, objects } = this.ctx;
    const ns = sts.metadata.namespace;
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata?.name}-${sts.metadata.name}-${ordinal}`;
      if (store.get(R.pvcs, ns, claimName)) continue;
      const pvc: KObject = {
        metadata: {
          name: claimName,
          namespace: ns,
          labels: { ...(sts.spec?.selector?.matchLabels ?? {}), ...(t.metadata?.labels ?? {}) },
          ...(sts.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete"
            ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: sts.metadata.name!, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }] }
            : {}),
        },
        spec: clone(t.spec ?? {}),
      };
      objects.create(R.pvcs, ns, pvc, { internal: true });
      this.ctx.events.record(sts, "Normal", "SuccessfulCreate", `create Claim ${claimName} Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} success`, "statefulset-controller");
    }
  }

  private reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const { store, objects, events } = this.ctx;
    const sts = store.get(R.statefulsets, ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const replicas: number = sts.spec?.replicas ?? 1;
    const parallel = sts.spec?.podManagementPolicy === "Parallel";
    const updateRevision = `${name}-${safeHash(JSON.stringify(sts.spec?.template ?? {}))}`;
    const pods = new Map<number, KObject>();
    for (const p of this.gc.controlledBy(sts.metadata.uid!, R.pods)) {
      const m = /-(\d+)$/.exec(p.metadata.name!);
      if (m && p.metadata.name === `${name}-${m[1]}`) pods.set(Number(m[1]), p);
    }
    const create = (i: number) => {
      this.ensureClaims(sts, i);
      const pod = objects.create(R.pods, ns, this.podFor(sts, i, updateRevision), { internal: true });
      pods.set(i, pod);
      events.record(sts, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${name} successful`, "statefulset-controller");
    };
    let blocked = false;
    for (let i = 0; i < replicas; i++) {
      const pod = pods.get(i);
      if (!pod) {
        if (blocked && !parallel) break;
        try {
          create(i);
        } catch (e) {
          events.record(sts, "Warning", "FailedCreate", `create Pod ${name}-${i} in StatefulSet ${name} failed error: ${(e as Error).message}`, "statefulset-controller");
          this.queue.addAfter(key, 1000);
          break;
        }
        if (!parallel) break;
        continue;
      }
      if (isPodTerminal(pod) && !pod.metadata.deletionTimestamp) {
        objects.delete(R.pods, ns, pod.metadata.name!, { gracePeriodSeconds: 0 });
        if (!parallel) break;
        continue;
      }
      if (pod.metadata.deletionTimestamp || !isPodReady(pod)) {
        blocked = true;
        if (!parallel) break;
      }
    }
    const allReady = [...Array(replicas).keys()].every((i) => {
      const p = pods.get(i);
      return p && !p.metadata.deletionTimestamp && isPodReady(p);
    });
    // Scale down from the highest ordinal, one at a time once the rest is healthy.
    const extra = [...pods.keys()].filter((i) => i >= replicas).sort((a, b) => b - a);
    if (extra.length && (allReady || parallel)) {
      const victims = parallel ? extra : extra.slice(0, 1);
      for (const i of victims) {
        const p = pods.get(i)!;
        if (!p.metadata.deletionTimestamp) {
          objects.delete(R.pods, ns, p.metadata.name!, {});
          events.record(sts, "Normal", "SuccessfulDelete", `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`, "statefulset-controller");
        }
      }
    }
    // Rolling update: replace the highest-ordinal outdated pod, one at a time, once all are ready.
    const partition: number = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (sts.spec?.updateStrategy?.type !== "OnDelete" && allReady && extra.length === 0) {
      for (let i = replicas - 1; i >= partition; i--) {
        const p = pods.get(i);
        if (p && p.metadata.labels?.[REV] !== updateRevision) {
          objects.delete(R.pods, ns, p.metadata.name!, {});
          events.record(sts, "Normal", "SuccessfulDelete", `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`, "statefulset-controller");
          break;
        }
      }
    }
    const current = [...pods.values()].map((p) => store.get(R.pods, ns, p.metadata.name!)).filter((p): p is KObject => !!p);
    const updated = current.filter((p) => p.metadata.labels?.[REV] === updateRevision && !p.metadata.deletionTimestamp).length;
    const prevCurrentRev: string = sts.status?.currentRevision ?? updateRevision;
    const done = updated === replicas && current.filter((p) => !p.metadata.deletionTimestamp).length === replicas && current.every((p) => p.metadata.deletionTimestamp || isPodReady(p));
    const currentRevision = done ? updateRevision : prevCurrentRev;
    const status: Loose = {
      observedGeneration: sts.metadata.generation,
      replicas: current.filter((p) => !p.metadata.deletionTimestamp).length,
      readyReplicas: current.filter(isPodReady).length,
      currentReplicas: current.filter((p) => p.metadata.labels?.[REV] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount: 0,
      availableReplicas: current.filter(isPodReady).length,
    };
    const latest = store.get(R.statefulsets, ns, name);
    if (latest && !deepEqual(latest.status, status)) objects.update(R.statefulsets, ns, name, { ...latest, status }, { internal: true, subresource: "status" });
  }

  stop(): void {
    this.queue.stop();
  }
}
