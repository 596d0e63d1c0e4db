// VolumeSnapshot controller, standing in for the CSI external-snapshotter and its driver: after
// `snapshotReadyMs` a snapshot of a bound claim is readyToUse (restoreSize = the claim's request), and a
// snapshot of a missing claim reports status.error, retried when that claim appears. VolumeSnapshotContents
// are not simulated: a pre-provisioned snapshot (source.volumeSnapshotContentName) always reports one missing.
import type { SimContext } from "../context";
import { R } from "../resources";
import type { KObject, Loose } from "../types";
import { nowIso } from "../util/json";
import { nsName, splitKey, WorkQueue } from "./work-queue";

const COMPONENT = "snapshot-controller";

export class SnapshotController {
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: SimContext) {
    this.queue = new WorkQueue("volumesnapshot", (k) => this.reconcile(k));
    ctx.store.onChange((ev) => {
      if (ev.res === R.volumesnapshots) {
        // Our own status writes come back as MODIFIED; the source is immutable, so only new ones matter.
        if (ev.type === "ADDED") this.later(ev.obj);
      } else if (ev.res === R.pvcs && ev.type !== "DELETED") {
        // A claim that appears (or gets bound) unblocks the snapshots that failed or waited on it.
        for (const s of ctx.store.list(R.volumesnapshots, ev.obj.metadata.namespace))
          if (!s.status?.readyToUse && s.spec?.source?.persistentVolumeClaimName === ev.obj.metadata.name) this.later(s);
      }
    });
  }

  /** Snapshots loaded from saved state that were not finished yet. */
  resync(): void {
    for (const s of this.ctx.store.list(R.volumesnapshots)) if (!s.status?.readyToUse) this.later(s);
  }

  private later(s: KObject): void {
    this.queue.addAfter(nsName(s.metadata.namespace, s.metadata.name!), this.ctx.timers.snapshotReadyMs);
  }

  private reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const { store, objects, events } = this.ctx;
    const snap = store.get(R.volumesnapshots, ns, name);
    // Once cut, a snapshot stays ready even if its claim goes away.
    if (!snap || snap.metadata.deletionTimestamp || snap.status?.readyToUse) return;
    const src: Loose = snap.spec?.source ?? {};
    let status: Loose;
    if (src.persistentVolumeClaimName === undefined) {
      status = this.failure(snap, "VolumeSnapshotContent is missing", "SnapshotContentMissing");
    } else {
      const pvc = store.get(R.pvcs, ns, src.persistentVolumeClaimName);
      if (!pvc) {
        status = this.failure(snap, `PersistentVolumeClaim ${src.persistentVolumeClaimName} not found`, "SnapshotContentCreationFailed");
      } else if (pvc.status?.phase !== "Bound") {
        // The binder has not got to it yet; its Bound event requeues this snapshot.
        return;
      } else {
        const full = `${ns}/${name}`;
        status = {
          readyToUse: true,
          creationTime: nowIso(),
          restoreSize: pvc.spec?.resources?.requests?.storage,
          boundVolumeSnapshotContentName: `snapcontent-${snap.metadata.uid}`,
        };
        events.record(snap, "Normal", "CreatingSnapshot", `Waiting for a snapshot ${full} to be created by the CSI driver.`, COMPONENT);
        events.record(snap, "Normal", "SnapshotCreated", `Snapshot ${full} was successfully created by the CSI driver.`, COMPONENT);
        events.record(snap, "Normal", "SnapshotReady", `Snapshot ${full} is ready to use.`, COMPONENT);
      }
    }
    if (status === snap.status) return;
    objects.update(R.volumesnapshots, ns, name, { ...snap, status }, { internal: true, subresource: "status" });
  }

  /** The error status; the unchanged one when the same error is already reported (keeps its time). */
  private failure(snap: KObject, message: string, reason: string): Loose {
    if (snap.status?.readyToUse === false && snap.status?.error?.message === message) return snap.status;
    this.ctx.events.record(snap, "Warning", reason, reason === "SnapshotContentCreationFailed" ? `Failed to create snapshot content with error ${message}` : message, COMPONENT);
    return { readyToUse: false, error: { time: nowIso(), message } };
  }

  stop(): void {
    this.queue.stop();
  }
}
