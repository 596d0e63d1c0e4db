// /admin/workflows: a later release brings this section; the page says so.
import type { Metadata } from "next";
import { ComingSoon } from "@/components/admin/coming-soon";

export const metadata: Metadata = { title: "Workflows" };

export default function Page() {
  return (
    <ComingSoon
      title="Workflows"
      icon="workflows"
      description="Provisioning, scaling and upgrade runs, step by step."
      note="Workflows arrive with instances: each change will show its steps, attempts and errors, with pause, resume and retry."
    />
  );
}
