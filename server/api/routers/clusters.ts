// The fleet of clusters and placement planning (provider console).
import { z } from "zod";
import { getClusterDetail, listClusters, registerCluster, registerClusterInput, removeCluster, setCordoned } from "@/server/clusters/registry";
import { syncClusterCapacity } from "@/server/clusters/capacity-sync";
import { computeRebalancingProposal, latestRebalancingProposal, planWhatIf, whatIfInput } from "@/server/placement/fleet-planning";
import { getPlacementDecision, invalidatePlacementView } from "@/server/placement/reserve-placement";
import { platformProcedure, router } from "../trpc";

const clusterId = z.object({ clusterId: z.uuid() });

export const clustersRouter = router({
  list: platformProcedure("clusters:read").query(({ ctx }) => listClusters(ctx.db)),
  get: platformProcedure("clusters:read").input(clusterId).query(({ ctx, input }) => getClusterDetail(ctx.db, input.clusterId)),
  register: platformProcedure("clusters:manage")
    .input(registerClusterInput)
    .mutation(async ({ ctx, input }) => {
      const result = await registerCluster(ctx.db, ctx, input);
      invalidatePlacementView();
      return result;
    }),
  cordon: platformProcedure("clusters:manage").input(clusterId).mutation(({ ctx, input }) => setCordoned(ctx.db, ctx, input.clusterId, true)),
  uncordon: platformProcedure("clusters:manage").input(clusterId).mutation(({ ctx, input }) => setCordoned(ctx.db, ctx, input.clusterId, false)),
  remove: platformProcedure("clusters:manage").input(clusterId).mutation(({ ctx, input }) => removeCluster(ctx.db, ctx, input.clusterId)),
  resync: platformProcedure("clusters:manage").input(clusterId).mutation(({ ctx, input }) => syncClusterCapacity(ctx.db, input.clusterId)),
});

export const placementRouter = router({
  whatIf: platformProcedure("placement:plan").input(whatIfInput).query(({ ctx, input }) => planWhatIf(ctx.db, input)),
  rebalancing: platformProcedure("placement:plan").query(({ ctx }) => latestRebalancingProposal(ctx.db)),
  computeRebalancing: platformProcedure("clusters:manage").mutation(({ ctx }) => computeRebalancingProposal(ctx.db)),
  decision: platformProcedure("clusters:read").input(z.object({ subjectId: z.uuid() })).query(({ ctx, input }) => getPlacementDecision(ctx.db, input.subjectId)),
});
