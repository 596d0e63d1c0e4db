// Fleet planning for admins: "can N instances of plan P fit?" and defragmentation proposals, from the same engine.
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { placementDecisions, plans, rebalancingProposals, reservations } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";
import { loadCandidates } from "./reserve-placement";
import { proposeRebalancing, type InstancePlacement } from "./rebalancing";
import type { PlacementRequest } from "./types";
import { whatIf } from "./what-if";

/** The placement request of one instance of a plan: replicas on distinct nodes; HA plans (3+) on distinct zones. */
export function requestForPlan(plan: { cpuMillis: number; memoryMb: number; storageGb: number; replicas: number }, region?: string | string[]): PlacementRequest {
  return {
    cpuMillis: plan.cpuMillis,
    memoryMb: plan.memoryMb,
    storageGb: plan.storageGb,
    replicas: plan.replicas,
    region,
    antiAffinity: plan.replicas >= 3 ? "zone" : plan.replicas > 1 ? "node" : "none",
    strategy: "best_fit",
  };
}

export const whatIfInput = z.object({
  planId: z.uuid(),
  count: z.number().int().min(1).max(100_000),
  region: z.string().trim().min(1).max(40).optional(),
  nodeShape: z
    .object({ cpuMillis: z.number().int().min(100).max(1_000_000), memoryMb: z.number().int().min(128).max(10_000_000), pods: z.number().int().min(1).max(1000).default(110) })
    .optional(),
});

export async function planWhatIf(db: DbOrTx, input: z.infer<typeof whatIfInput>) {
  const [plan] = await db.select().from(plans).where(eq(plans.id, input.planId));
  if (!plan) throw new DomainError("NOT_FOUND", "Plan not found", { field: "planId" });
  const request = requestForPlan(plan, input.region);
  return { plan: { id: plan.id, name: plan.name }, request, ...whatIf({ request, count: input.count, clusters: await loadCandidates(db), nodeShape: input.nodeShape }) };
}

/** Current placements as the reservations say, with each subject's request and whether it may move. */
async function currentPlacements(db: DbOrTx): Promise<InstancePlacement[]> {
  const rows = await db
    .select({ subjectId: reservations.subjectId, clusterId: reservations.clusterId, nodeName: reservations.nodeName, replica: reservations.replica, request: placementDecisions.request })
    .from(reservations)
    .leftJoin(placementDecisions, eq(placementDecisions.subjectId, reservations.subjectId))
    .orderBy(reservations.subjectId, reservations.replica);
  const bySubject = new Map<string, InstancePlacement>();
  for (const r of rows) {
    let p = bySubject.get(r.subjectId);
    if (!p) {
      const req = (r.request ?? {}) as PlacementRequest & { stateless?: boolean };
      p = { instanceId: r.subjectId, clusterId: r.clusterId, nodes: [], request: req, stateless: req.stateless === true };
      bySubject.set(r.subjectId, p);
    }
    p.nodes.push(r.nodeName);
  }
  return [...bySubject.values()].filter((p) => p.request.cpuMillis !== undefined);
}

/** Computes and stores a defragmentation proposal (the periodic job), returning it. */
export async function computeRebalancingProposal(db: Db) {
  const proposal = proposeRebalancing(await loadCandidates(db), await currentPlacements(db));
  const [row] = await db.insert(rebalancingProposals).values(proposal).returning();
  return row!;
}

export async function latestRebalancingProposal(db: DbOrTx) {
  const [row] = await db.select().from(rebalancingProposals).orderBy(desc(rebalancingProposals.computedAt)).limit(1);
  return row ?? null;
}

