// /admin/incidents: every incident in the fleet, counted and filtered by status and organization.
import type { Metadata } from "next";
import { Suspense } from "react";
import { AdminIncidentsPage } from "@/components/admin/incidents/incidents-page";

export const metadata: Metadata = { title: "Incidents" };

export default function Page() {
  return (
    <Suspense>
      <AdminIncidentsPage />
    </Suspense>
  );
}
