// Audit log of the organization: who changed what, when and from where.
"use client";
import { OrgAuditLog } from "@/components/audit/audit-log";
import { PageHeader } from "@/components/ui";
import { can } from "@/lib/roles";
import { NotAllowed } from "./not-allowed";
import { useOrg } from "./org-context";

export function OrgAuditPage() {
  const org = useOrg();
  return (
    <>
      <PageHeader title="Audit log" description={`Every change in ${org.name}: who made it, when and from where.`} />
      {can(org.role, "audit:read") ? <OrgAuditLog orgId={org.id} /> : <NotAllowed what="the audit log" />}
    </>
  );
}
