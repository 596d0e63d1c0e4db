// /admin/rollouts: every rollout of a version across the fleet, with its progress, and the form to start one.
import type { Metadata } from "next";
import { Suspense } from "react";
import { RolloutsPage } from "@/components/admin/rollouts/rollouts-page";

export const metadata: Metadata = { title: "Rollouts" };

export default function Page() {
  return (
    <Suspense>
      <RolloutsPage />
    </Suspense>
  );
}
