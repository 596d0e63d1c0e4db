// One simulated cluster: its store, API semantics, controllers, scheduler, kubelets, endpoints, faults
// and HTTP server (which a partition closes and a heal reopens on the same port).
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { Admission, Allocators } from "./admission";
import type { SimContext } from "./context";
import { DeploymentController } from "./controllers/deployment";
import { GarbageCollector } from "./controllers/garbage-collector";
import { NamespaceController } from "./controllers/namespace";
import { QuotaController } from "./controllers/quota";
import { ReplicaSetController } from "./controllers/replicaset";
import { SnapshotController } from "./controllers/snapshots";
import { StatefulSetController } from "./controllers/statefulset";
import { VolumeBinder } from "./controllers/volumes";
import { WorkloadEndpoints } from "./endpoints";
import { EventRecorder } from "./events";
import { Faults } from "./faults";
import { createApiHandler, type AdminHandler } from "./http/server";
import { Kubelet } from "./kubelet";
import { NodeLifecycle } from "./node-lifecycle";
import { ObjectService } from "./objects";
import { R, RESOURCES } from "./resources";
import { Scheduler } from "./scheduler";
import { Store } from "./store";
import type { ClusterSpec, KObject, NodeSpec, Timers } from "./types";

export interface ClusterRuntimeOptions {
  timers: Timers;
  podStartDelayMs: number;
  watchHistorySize: number;
  maxEvents: number;
  freezeObjects: boolean;
  logRequests: boolean;
}

export interface SavedCluster {
  rv: number;
  token?: string;
  port: number;
  downNodes: string[];
  objects: Record<string, KObject[]>;
}

export function expandNodes(spec: ClusterSpec): NodeSpec[] {
  if (spec.nodes?.length) return spec.nodes;
  const count = spec.nodeCount ?? 3;
  const shape = spec.nodeShape ?? { cpu: "4", memory: "16Gi", pods: 110 };
  const zones = spec.zones?.length ? spec.zones : [`${spec.region}a`, `${spec.region}b`, `${spec.region}c`];
  const out: NodeSpec[] = [];
  for (let i = 0; i < count; i++) out.push({ name: `${spec.name}-node-${i + 1}`, cpu: shape.cpu, memory: shape.memory, pods: shape.pods ?? 110, zone: zones[i % zones.length] });
  return out;
}

export class SimCluster {
  readonly name: string;
  readonly region: string;
  token: string;
  readonly store: Store;
  readonly objects: ObjectService;
  readonly faults = new Faults();
  readonly ctx: SimContext;
  readonly gc: GarbageCollector;
  readonly scheduler: Scheduler;
  readonly kubelet: Kubelet;
  readonly nodes: NodeLifecycle;
  readonly endpoints: WorkloadEndpoints;
  private readonly controllers: { stop(): void; resync?(): void }[];
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  partitioned = false;

  constructor(
    readonly spec: ClusterSpec,
    private readonly opts: ClusterRuntimeOptions,
    private readonly admin: AdminHandler,
  ) {
    this.name = spec.name;
    this.region = spec.region;
    this.token = `kubesim-${spec.name}-${randomBytes(6).toString("hex")}`;
    this.store = new Store(opts.watchHistorySize, opts.freezeObjects);
    this.objects = new ObjectService(this.store, new Admission(this.store, new Allocators()));
    const events = new EventRecorder(this.objects, opts.maxEvents);
    this.ctx = {
      name: spec.name,
      region: spec.region,
      store: this.store,
      objects: this.objects,
      events,
      faults: this.faults,
      timers: opts.timers,
      podStartDelayMs: opts.podStartDelayMs,
      downNodes: new Set(),
    };
    this.gc = new GarbageCollector(this.ctx);
    const namespaces = new NamespaceController(this.ctx);
    const rs = new ReplicaSetController(this.ctx, this.gc);
    const deploy = new DeploymentController(this.ctx, this.gc);
    const sts = new StatefulSetController(this.ctx, this.gc);
    const pvc = new VolumeBinder(this.ctx);
    const quota = new QuotaController(this.ctx);
    const snapshots = new SnapshotController(this.ctx);
    this.scheduler = new Scheduler(this.ctx);
    this.kubelet = new Kubelet(this.ctx);
    this.nodes = new NodeLifecycle(this.ctx);
    this.endpoints = new WorkloadEndpoints(this.ctx);
    this.controllers = [this.gc, namespaces, rs, deploy, sts, pvc, quota, snapshots, this.scheduler, this.kubelet, this.nodes];
  }

  /** A fresh cluster: system namespaces, the kubernetes Service, nodes and their Leases. */
  seed(): void {
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) this.objects.create(R.namespaces, undefined, { metadata: { name: ns } }, { internal: true });
    this.objects.create(
      R.services,
      "default",
      {
        metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
        spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], type: "ClusterIP" },
      },
      { internal: true },
    );
    for (const n of expandNodes(this.spec)) this.nodes.addNode(n);
  }

  /** Loads saved objects (no events), then lets every controller look at them. */
  restore(saved: SavedCluster): void {
    const byKey = new Map(RESOURCES.map((r) => [r.key, r]));
    const all: { res: (typeof RESOURCES)[number]; obj: KObject }[] = [];
    for (const [key, list] of Object.entries(saved.objects)) {
      const res = byKey.get(key);
      if (!res) continue;
      for (const obj of list) {
        this.store.restore(res, obj);
        all.push({ res, obj });
      }
    }
    this.store.rv = saved.rv;
    if (saved.token) this.token = saved.token;
    this.store.compact();
    for (const n of saved.downNodes ?? []) this.ctx.downNodes.add(n);
    this.gc.reindex(all);
  }

  /** Starts heartbeats and has every controller reconcile what is stored. */
  startMachinery(): void {
    this.nodes.start();
    for (const c of this.controllers) c.resync?.();
    this.kubelet.resyncAll();
    this.endpoints.resync();
  }

  async listen(port: number): Promise<void> {
    const server = http.createServer({ keepAlive: true }, createApiHandler(
      {
        name: this.name,
        token: this.token,
        api: { store: this.store, objects: this.objects, timers: this.opts.timers },
        faults: this.faults,
        port: () => this.port,
        logRequests: this.opts.logRequests,
      },
      this.admin,
    ));
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 60_000;
    server.requestTimeout = 0;
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      server.closeAllConnections();
    });
  }

  /** Cuts the cluster off: the API port refuses connections (workload endpoints keep serving). */
  async partition(): Promise<void> {
    if (this.partitioned) return;
    this.partitioned = true;
    await this.closeServer();
  }

  async heal(): Promise<void> {
    if (!this.partitioned) return;
    await this.listen(this.port);
    this.partitioned = false;
  }

  save(): SavedCluster {
    return { rv: this.store.rv, token: this.token, port: this.port, downNodes: [...this.ctx.downNodes], objects: this.store.dump() };
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) c.stop();
    await this.endpoints.stop();
    await this.closeServer();
  }
}
