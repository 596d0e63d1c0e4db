// /admin/incidents: a later release brings this section; the page says so.
import type { Metadata } from "next";
import { ComingSoon } from "@/components/admin/coming-soon";

export const metadata: Metadata = { title: "Incidents" };

export default function Page() {
  return (
    <ComingSoon
      title="Incidents"
      icon="incidents"
      description="Detected failures and what recovery did about them."
      note="Incidents arrive with health monitoring: failures that automatic recovery could not fix will wait for a person here."
    />
  );
}
