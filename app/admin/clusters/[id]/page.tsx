// /admin/clusters/<id>: one cluster with its nodes; an unknown id is a 404 inside the console.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { ClusterPage } from "@/components/admin/clusters/cluster-page";
import { getServerCaller } from "@/lib/trpc/server";

type Params = { params: Promise<{ id: string }> };

/** The cluster's name, "missing" for an unknown (or malformed) id, or null when the caller may not look (the layout says why). */
const findCluster = cache(async (id: string): Promise<string | "missing" | null> => {
  const caller = await getServerCaller();
  try {
    return (await caller.clusters.get({ clusterId: id })).cluster.name;
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return "missing";
    if (err instanceof TRPCError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const found = await findCluster((await params).id);
  return { title: found && found !== "missing" ? `Cluster ${found}` : "Cluster" };
}

export default async function Page({ params }: Params) {
  const { id } = await params;
  const found = await findCluster(id);
  if (found === "missing") notFound();
  if (found === null) return null;
  return <ClusterPage clusterId={id} />;
}
