// /admin/fleet: every customer instance in the fleet, with filters kept in the address.
import type { Metadata } from "next";
import { Suspense } from "react";
import { FleetPage } from "@/components/admin/fleet/fleet-page";

export const metadata: Metadata = { title: "Fleet" };

export default function Page() {
  return (
    <Suspense>
      <FleetPage />
    </Suspense>
  );
}
