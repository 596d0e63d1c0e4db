// /o/<slug>/audit: a thin page; the client component calls the API.
import type { Metadata } from "next";
import { OrgAuditPage } from "@/components/org/org-audit-page";

export const metadata: Metadata = { title: "Audit log" };

export default function Page() {
  return <OrgAuditPage />;
}
