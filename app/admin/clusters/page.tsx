// /admin/clusters: the fleet of clusters with their health and utilisation; platform admins add, cordon and remove them.
import type { Metadata } from "next";
import { ClustersPage } from "@/components/admin/clusters/clusters-page";

export const metadata: Metadata = { title: "Clusters" };

export default function Page() {
  return <ClustersPage />;
}
