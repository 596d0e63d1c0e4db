// /admin/clusters: a later release brings this section; the page says so.
import type { Metadata } from "next";
import { ComingSoon } from "@/components/admin/coming-soon";

export const metadata: Metadata = { title: "Clusters" };

export default function Page() {
  return (
    <ComingSoon
      title="Clusters"
      icon="clusters"
      description="The Kubernetes clusters that run customer instances."
      note="Clusters arrive with the clusters release: you will register a cluster with its kubeconfig, see its capacity and health, and cordon it for maintenance."
    />
  );
}
