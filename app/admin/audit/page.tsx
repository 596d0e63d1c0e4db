// /admin/audit: the audit log of every organization and of the platform itself.
import type { Metadata } from "next";
import { PlatformAuditLog } from "@/components/audit/audit-log";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Audit log" };

export default function Page() {
  return (
    <>
      <PageHeader title="Audit log" description="Every change in every organization, and catalog changes by platform staff." />
      <PlatformAuditLog />
    </>
  );
}
