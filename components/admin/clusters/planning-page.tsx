// Capacity planning in the provider console: what-if questions to the placement engine, and the latest rebalancing proposal.
"use client";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { PageHeader } from "@/components/ui";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { usePlatformRole } from "../admin-context";
import { ClustersTabs } from "./clusters-tabs";
import { RebalancingCard } from "./rebalancing-card";
import { WhatIfCard } from "./what-if-card";

export function PlanningPage() {
  const trpc = useTRPC();
  const role = usePlatformRole();
  // Regions for the what-if form and names for the proposal's cluster ids.
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const regions = useMemo(() => [...new Set((clusters.data ?? []).map((c) => c.region))].sort(), [clusters.data]);
  const names = useMemo(() => new Map((clusters.data ?? []).map((c) => [c.id, c.name])), [clusters.data]);
  return (
    <>
      <PageHeader title="Clusters" description="Ask the placement engine what fits, and see how the fleet could be packed tighter." />
      <ClustersTabs />
      <div className="space-y-6">
        <WhatIfCard regions={regions} />
        <RebalancingCard clusterNames={names} mayCompute={canPlatform(role, "clusters:manage")} />
      </div>
    </>
  );
}
