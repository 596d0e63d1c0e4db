// /admin/workflows: every workflow run in the fleet and the workflow types that can be held.
import type { Metadata } from "next";
import { Suspense } from "react";
import { WorkflowsPage } from "@/components/admin/fleet/workflows-page";

export const metadata: Metadata = { title: "Workflows" };

export default function Page() {
  return (
    <Suspense>
      <WorkflowsPage />
    </Suspense>
  );
}
