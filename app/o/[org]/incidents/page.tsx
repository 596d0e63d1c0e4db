// /o/<slug>/incidents: a thin page; the client component calls the API (its status filter lives in the address bar).
import type { Metadata } from "next";
import { Suspense } from "react";
import { IncidentsPage } from "@/components/incidents/incidents-page";

export const metadata: Metadata = { title: "Incidents" };

export default function Page() {
  return (
    <Suspense>
      <IncidentsPage />
    </Suspense>
  );
}
