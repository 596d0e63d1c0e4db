// Cluster capacity: a full resync of every cluster every 30 s, rebalancing proposals every 10 minutes, and
// (on the lease holder only) live watches of every cluster.
import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import { getDb } from "@/db/client";
import { syncAllClusters, syncClusterCapacity } from "@/server/clusters/capacity-sync";
import { FleetWatcher } from "@/server/clusters/cluster-watcher";
import { computeRebalancingProposal } from "@/server/placement/fleet-planning";
import { log } from "@/server/log";
import { Lease } from "@/server/redis/lease";
import { QUEUES, type BackgroundTask, type ProcessorRegistration } from "../queues";

export const resyncClusterPayload = z.object({ clusterId: z.uuid() });

export const clustersProcessor: ProcessorRegistration = {
  queue: QUEUES.clusters,
  schedules: [
    { id: "clusters-resync-all", every: 30_000, jobName: "resync-all" },
    { id: "clusters-rebalance", every: 600_000, jobName: "rebalance" },
  ],
  async process(job) {
    if (job.name === "resync-all") return syncAllClusters(getDb());
    if (job.name === "resync") return syncClusterCapacity(getDb(), resyncClusterPayload.parse(job.data).clusterId);
    if (job.name === "rebalance") {
      const p = await computeRebalancingProposal(getDb());
      return { moves: p.moves.length, freedNodes: p.freedNodes.length };
    }
    throw new UnrecoverableError(`unknown clusters job ${job.name}`);
  },
};

/** Watches run on one workers process at a time (the lease holder); others stand by. */
export const clusterWatchTask: BackgroundTask = {
  name: "cluster-watch",
  start() {
    const lease = new Lease("cluster-watch");
    const watcher = new FleetWatcher(getDb());
    let leader = false;
    const tick = async () => {
      try {
        const held = await lease.acquireOrRenew();
        if (held) await watcher.reconcile();
        else if (leader) await watcher.stop();
        if (held !== leader) log.info("workers", held ? "watching clusters (lease taken)" : "lease lost: stopped watching clusters");
        leader = held;
      } catch (err) {
        log.warn("workers", "cluster watch tick failed", { error: String(err) });
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), 10_000);
    return async () => {
      clearInterval(timer);
      await watcher.stop();
      if (leader) await lease.release().catch(() => {});
    };
  },
};
