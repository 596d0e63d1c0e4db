// /admin/clusters/planning: what-if capacity questions and the latest rebalancing proposal.
import type { Metadata } from "next";
import { PlanningPage } from "@/components/admin/clusters/planning-page";

export const metadata: Metadata = { title: "Capacity planning" };

export default function Page() {
  return <PlanningPage />;
}
